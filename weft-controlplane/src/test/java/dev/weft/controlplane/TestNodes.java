package dev.weft.controlplane;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.controlplane.proxy.InvalidNodeException;
import dev.weft.controlplane.proxy.ProxyNode;
import io.envoyproxy.envoy.config.core.v3.Node;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds xDS nodes the way a Weft sidecar describes itself (docs/xds-conventions.md). */
public final class TestNodes {
    private TestNodes() {}

    public static Node sidecar(String service, String namespace, String address, int appPort, int inboundPort,
                               Map<String, String> labels, List<String> upstreams) {
        Struct.Builder labelStruct = Struct.newBuilder();
        new TreeMap<>(labels).forEach((k, v) -> labelStruct.putFields(k, str(v)));
        ListValue.Builder ups = ListValue.newBuilder();
        upstreams.forEach(u -> ups.addValues(str(u)));
        Struct md = Struct.newBuilder()
                .putFields("NAMESPACE", str(namespace))
                .putFields("SERVICE_ACCOUNT", str(service))
                .putFields("LABELS", Value.newBuilder().setStructValue(labelStruct).build())
                .putFields("INSTANCE_IPS", str(address))
                .putFields("WEFT_ROLE", str("sidecar"))
                .putFields("WEFT_SERVICE", str(service))
                .putFields("WEFT_SERVICE_PORT", str(Integer.toString(appPort)))
                .putFields("WEFT_APP_PORT", str(Integer.toString(appPort)))
                .putFields("WEFT_APP_PROTOCOL", str("http"))
                .putFields("WEFT_INBOUND_PORT", str(Integer.toString(inboundPort)))
                .putFields("WEFT_OUTBOUND_PORT", str("15001"))
                .putFields("WEFT_UPSTREAMS", Value.newBuilder().setListValue(ups).build())
                .build();
        return Node.newBuilder()
                .setId("sidecar~" + address + "~" + service + "-" + inboundPort + "." + namespace)
                .setCluster(service)
                .setMetadata(md)
                .build();
    }

    public static ProxyNode proxy(String service, String namespace, String address, int appPort, int inboundPort,
                                  Map<String, String> labels, String... upstreams) {
        try {
            return ProxyNode.fromNode(sidecar(service, namespace, address, appPort, inboundPort, labels,
                    List.of(upstreams)));
        } catch (InvalidNodeException e) {
            throw new AssertionError(e);
        }
    }

    private static Value str(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
