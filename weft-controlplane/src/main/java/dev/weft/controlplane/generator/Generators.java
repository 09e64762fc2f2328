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
        return new Generators(new ClusterGenerator(), new EndpointGenerator(), new ListenerGenerator(),
                new RouteGenerator());
    }

    public ResourceGenerator forType(XdsType type) {
        return byType.get(type);
    }
}
