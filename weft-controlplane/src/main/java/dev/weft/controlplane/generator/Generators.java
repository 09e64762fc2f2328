package dev.weft.controlplane.generator;

import dev.weft.controlplane.xds.XdsType;

import java.util.EnumMap;
import java.util.Map;

/** The generator for each xDS type. */
public final class Generators {
    private final Map<XdsType, ResourceGenerator> byType = new EnumMap<>(XdsType.class);

    public Generators(ResourceGenerator... generators) {
        for (ResourceGenerator g : generators) {
            byType.put(g.type(), g);
        }
        for (XdsType t : XdsType.values()) {
            if (!byType.containsKey(t)) {
                throw new IllegalArgumentException("no generator for " + t);
            }
        }
    }

    public static Generators standard() {
        // Proxyless gRPC clients get API listeners with inline routes (no RDS) and the gRPC subset of clusters.
        return new Generators(
                new ByRoleGenerator(new ClusterGenerator(), new GrpcClusterGenerator(new ClusterGenerator())),
                new ByRoleGenerator(new EndpointGenerator(), new GrpcEndpointGenerator(new EndpointGenerator())),
                new ByRoleGenerator(new ListenerGenerator(), new GrpcListenerGenerator()),
                new ByRoleGenerator(new RouteGenerator(), null));
    }

    public ResourceGenerator forType(XdsType type) {
        return byType.get(type);
    }
}
