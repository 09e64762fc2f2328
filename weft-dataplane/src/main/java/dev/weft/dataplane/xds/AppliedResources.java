package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The raw xDS resources a data plane has applied, per type URL, with their versions: what is written to the disk
 * cache and shown by {@code /config_dump}. Immutable.
 */
public record AppliedResources(Map<String, TypeResources> byType) {
    public static final AppliedResources EMPTY = new AppliedResources(Map.of());

    public AppliedResources {
        byType = Map.copyOf(byType);
    }

    public TypeResources get(String typeUrl) {
        return byType.getOrDefault(typeUrl, TypeResources.EMPTY);
    }

    public AppliedResources with(String typeUrl, TypeResources resources) {
        Map<String, TypeResources> copy = new LinkedHashMap<>(byType);
        copy.put(typeUrl, resources);
        return new AppliedResources(copy);
    }

    /** One type's resources by name, in the order received. */
    public record TypeResources(String version, Map<String, Any> resources) {
        public static final TypeResources EMPTY = new TypeResources("", Map.of());

        public TypeResources {
            resources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(resources));
        }
    }
}
