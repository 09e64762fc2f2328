package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;

import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Hands each node to the generator for its role: proxyless gRPC clients ({@link ProxyNode#proxyless()}) to theirs,
 * everyone else (sidecars) to the sidecar generator, whose output therefore does not change for them.
 */
final class ByRoleGenerator implements ResourceGenerator {
    private final ResourceGenerator sidecar;
    private final ResourceGenerator proxyless; // null: proxyless clients get no resources of this type

    ByRoleGenerator(ResourceGenerator sidecar, ResourceGenerator proxyless) {
        if (proxyless != null && proxyless.type() != sidecar.type()) {
            throw new IllegalArgumentException("generators for different types: " + sidecar.type() + ", "
                    + proxyless.type());
        }
        this.sidecar = sidecar;
        this.proxyless = proxyless;
    }

    @Override
    public XdsType type() {
        return sidecar.type();
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy) {
        return generate(context, proxy, Set.of());
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy, Set<String> requested) {
        if (!proxy.proxyless()) {
            return sidecar.generate(context, proxy, requested);
        }
        return proxyless == null ? new TreeMap<>() : proxyless.generate(context, proxy, requested);
    }
}
