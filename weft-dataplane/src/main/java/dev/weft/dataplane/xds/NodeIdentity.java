package dev.weft.dataplane.xds;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.dataplane.telemetry.StructWire;
import dev.weft.dataplane.wire.ProtoBytes;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who a data plane is, as sent in the xDS {@code Node} (docs/xds-conventions.md).
 *
 * @param metadata values are Strings, Numbers, Booleans, {@code Map<String, ?>} (a nested Struct such as LABELS)
 *                 or {@code List<?>} (a ListValue such as WEFT_UPSTREAMS)
 */
public record NodeIdentity(String id, String cluster, Map<String, Object> metadata) {
    private static final String USER_AGENT = "weft";

    public NodeIdentity {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("node id is required");
        }
        metadata = Map.copyOf(metadata);
    }

    /**
     * A sidecar's identity with the metadata keys the control plane reads.
     *
     * @param upstreams {@code SERVICE[:PORT]=LOCALPORT} bindings
     */
    public static NodeIdentity sidecar(String service, String namespace, String serviceAccount,
                                       Map<String, String> labels, String address, int servicePort, int appPort,
                                       String appProtocol, int inboundPort, int outboundPort, List<String> upstreams) {
        Map<String, Object> md = new LinkedHashMap<>();
        md.put("NAMESPACE", namespace);
        md.put("SERVICE_ACCOUNT", serviceAccount);
        md.put("LABELS", Map.copyOf(labels));
        md.put("INSTANCE_IPS", address);
        md.put("WEFT_ROLE", "sidecar");
        md.put("WEFT_SERVICE", service);
        md.put("WEFT_SERVICE_PORT", Integer.toString(servicePort));
        md.put("WEFT_APP_PORT", Integer.toString(appPort));
        md.put("WEFT_APP_PROTOCOL", appProtocol);
        md.put("WEFT_INBOUND_PORT", Integer.toString(inboundPort));
        md.put("WEFT_OUTBOUND_PORT", Integer.toString(outboundPort));
        md.put("WEFT_UPSTREAMS", List.copyOf(upstreams));
        String id = "sidecar~" + address + "~" + service + "-" + inboundPort + "." + namespace;
        return new NodeIdentity(id, service, md);
    }

    public Node toNode() {
        return Node.newBuilder()
                .setId(id)
                .setCluster(cluster == null ? "" : cluster)
                .setMetadata(toStruct(metadata, "metadata"))
                .setUserAgentName(USER_AGENT)
                .build();
    }

    /**
     * {@link #toNode()} serialized, written by hand: serializing a generated {@code Node} builds the descriptors of
     * base.proto and the 20 files it imports (its {@code dynamic_parameters} map field), and its metadata
     * {@code Struct} those of struct.proto (see {@link StructWire}); the xDS client sends these bytes as the
     * requests' {@code node} field instead.
     */
    public byte[] toNodeBytes() {
        byte[] metadataStruct = StructWire.encode(metadata, "node metadata");
        return ProtoBytes.of(out -> {
            out.writeString(Node.ID_FIELD_NUMBER, id);
            if (cluster != null && !cluster.isEmpty()) {
                out.writeString(Node.CLUSTER_FIELD_NUMBER, cluster);
            }
            out.writeByteArray(Node.METADATA_FIELD_NUMBER, metadataStruct);
            out.writeString(Node.USER_AGENT_NAME_FIELD_NUMBER, USER_AGENT);
        });
    }

    private static Struct toStruct(Map<?, ?> map, String path) {
        Struct.Builder b = Struct.newBuilder();
        for (var e : map.entrySet()) {
            b.putFields(String.valueOf(e.getKey()), toValue(e.getValue(), path + "." + e.getKey()));
        }
        return b.build();
    }

    private static Value toValue(Object v, String path) {
        return switch (v) {
            case null -> Value.newBuilder().setNullValueValue(0).build();
            case String s -> Value.newBuilder().setStringValue(s).build();
            case Boolean bool -> Value.newBuilder().setBoolValue(bool).build();
            case Number n -> Value.newBuilder().setNumberValue(n.doubleValue()).build();
            case Map<?, ?> m -> Value.newBuilder().setStructValue(toStruct(m, path)).build();
            case List<?> list -> {
                ListValue.Builder lb = ListValue.newBuilder();
                for (int i = 0; i < list.size(); i++) {
                    lb.addValues(toValue(list.get(i), path + "[" + i + "]"));
                }
                yield Value.newBuilder().setListValue(lb).build();
            }
            default -> throw new IllegalArgumentException("node " + path + ": unsupported metadata value type "
                    + v.getClass().getName());
        };
    }
}
