package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.controlplane.generator.Generators;
import dev.weft.controlplane.proxy.InvalidNodeException;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * Runs every generator once, for a made-up sidecar that never connects, before the control plane says it is ready.
 * A freshly started JVM spends 100-200 ms of CPU on the first generation (class initialisation, lambda linkage, the
 * protobuf builders' first use); without this, the first proxy to connect after a start or restart waits for it.
 * Nothing is registered, sent or counted.
 */
public final class GeneratorWarmup {
    private static final Logger log = LoggerFactory.getLogger(GeneratorWarmup.class);

    private GeneratorWarmup() {}

    /** Generates and serialises all four types for the made-up sidecar; a failure is logged and otherwise ignored. */
    public static void run(Generators generators, PushContext context) {
        long start = System.nanoTime();
        int resources = 0;
        try {
            ProxyNode proxy = ProxyNode.fromNode(sidecar());
            for (XdsType type : XdsType.values()) {
                for (Message m : generators.forType(type).generate(context, proxy, Set.of()).values()) {
                    resources += Any.pack(m).getSerializedSize();
                }
            }
        } catch (InvalidNodeException | RuntimeException e) {
            log.debug("generator warm-up failed (the first proxy pays for it instead): {}", e.toString());
            return;
        }
        log.debug("generators warmed up in {} ms ({} bytes)", (System.nanoTime() - start) / 1_000_000, resources);
    }

    /** A sidecar described as Weft's proxy describes itself (docs/xds-conventions.md), with one upstream binding. */
    static Node sidecar() {
        Struct labels = Struct.newBuilder().putFields("app", text("weft-warmup")).build();
        Struct md = Struct.newBuilder()
                .putFields("NAMESPACE", text("weft-warmup"))
                .putFields("SERVICE_ACCOUNT", text("weft-warmup"))
                .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
                .putFields("INSTANCE_IPS", text("127.0.0.1"))
                .putFields("WEFT_ROLE", text("sidecar"))
                .putFields("WEFT_SERVICE", text("weft-warmup"))
                .putFields("WEFT_SERVICE_PORT", text("8080"))
                .putFields("WEFT_APP_PORT", text("8080"))
                .putFields("WEFT_APP_PROTOCOL", text("http"))
                .putFields("WEFT_INBOUND_PORT", text("15006"))
                .putFields("WEFT_OUTBOUND_PORT", text("15001"))
                .putFields("WEFT_UPSTREAMS", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(text("weft-warmup:8080=16001"))).build())
                .build();
        return Node.newBuilder().setId("sidecar~127.0.0.1~weft-warmup-15006.weft-warmup").setCluster("weft-warmup")
                .setMetadata(md).build();
    }

    private static Value text(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
