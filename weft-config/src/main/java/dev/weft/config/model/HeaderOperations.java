package dev.weft.config.model;

import java.util.List;
import java.util.Map;

/** Istio {@code Headers.HeaderOperations}: set overwrites, add appends, remove deletes. */
public record HeaderOperations(Map<String, String> set, Map<String, String> add, List<String> remove) {
    public HeaderOperations {
        set = Immutables.map(set);
        add = Immutables.map(add);
        remove = Immutables.list(remove);
    }
}
