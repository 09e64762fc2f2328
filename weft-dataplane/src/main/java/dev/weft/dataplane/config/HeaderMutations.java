package dev.weft.dataplane.config;

import java.util.List;

/**
 * Header changes applied to a request or response.
 *
 * @param set headers to overwrite or add
 * @param add headers to append
 * @param remove header names to remove (applied before set/add)
 */
public record HeaderMutations(List<Header> set, List<Header> add, List<String> remove) {
    public static final HeaderMutations NONE = new HeaderMutations(List.of(), List.of(), List.of());

    public HeaderMutations {
        set = List.copyOf(set);
        add = List.copyOf(add);
        remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
        return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }

    public record Header(String name, String value) {}
}
