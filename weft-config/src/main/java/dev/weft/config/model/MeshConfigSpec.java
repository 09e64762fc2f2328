package dev.weft.config.model;

import java.util.List;

/**
 * The part of Istio's {@code MeshConfig} that Weft applies, with Istio's field names.
 *
 * @param extensionProviders the external authorizers that AuthorizationPolicies with {@code action: CUSTOM} name
 */
public record MeshConfigSpec(List<ExtensionProvider> extensionProviders) {
    public MeshConfigSpec {
        extensionProviders = extensionProviders == null ? List.of() : Immutables.list(extensionProviders);
    }

    /** The provider called {@code name}, or null. */
    public ExtensionProvider provider(String name) {
        for (ExtensionProvider p : extensionProviders) {
            if (p.name() != null && p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
