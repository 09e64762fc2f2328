package dev.weft.config.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Null-tolerant immutable copies: YAML omits empty collections, the model never exposes null ones. */
final class Immutables {
    private Immutables() {}

    static <T> List<T> list(List<T> in) {
        if (in == null || in.isEmpty()) {
            return List.of();
        }
        for (T t : in) {
            if (t == null) {
                throw new IllegalArgumentException("list contains an empty (null) entry");
            }
        }
        return List.copyOf(in);
    }

    /** Keeps the order written in YAML so generated config is deterministic. */
    static <V> Map<String, V> map(Map<String, V> in) {
        if (in == null || in.isEmpty()) {
            return Map.of();
        }
        for (Map.Entry<String, V> e : in.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("entry '" + e.getKey() + "' has an empty (null) value");
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(in));
    }
}
