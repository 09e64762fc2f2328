package dev.weft.config.model;

/**
 * Where a resource came from and who it is: {@code kind} is Istio's kind ("VirtualService"), {@code file} the
 * path as given to the loader, {@code line} the 1-based line of the document's first key (0 when unknown).
 */
public record ResourceMeta(String kind, String name, String namespace, String file, int line) {
    public String namespacedName() {
        return namespace + "/" + name;
    }
}
