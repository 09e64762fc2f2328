package dev.weft.dataplane.authn;

import java.util.List;

/**
 * Envoy {@code JwtRequirement}: which tokens a request needs. Istio emits, per rule, "provider or allow_missing"
 * (several providers: any provider, or all of the per-provider "provider or allow_missing" pairs) — a request
 * without a token passes, one with a bad token does not; AuthorizationPolicy then decides on the principal.
 */
public sealed interface JwtRequirement {
    /** The token of this provider must be present and valid. */
    record ProviderName(String name) implements JwtRequirement {}

    /** Any of these. */
    record RequiresAny(List<JwtRequirement> requirements) implements JwtRequirement {
        public RequiresAny {
            requirements = List.copyOf(requirements);
        }
    }

    /** All of these. */
    record RequiresAll(List<JwtRequirement> requirements) implements JwtRequirement {
        public RequiresAll {
            requirements = List.copyOf(requirements);
        }
    }

    /** Satisfied when no token is present at any provider's location; a present token must be valid. */
    record AllowMissing() implements JwtRequirement {}

    /** Always satisfied; valid tokens still yield their principal. */
    record AllowMissingOrFailed() implements JwtRequirement {}
}
