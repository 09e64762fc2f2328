package dev.weft.config.model;

/** Istio {@code security.istio.io} RequestAuthentication: which JWTs a workload accepts, and how to verify them. */
public record RequestAuthentication(ResourceMeta meta, RequestAuthenticationSpec spec) implements IstioResource {
    /** The same resource with {@code spec} replaced (e.g. once {@code jwksUri} files are read in). */
    public RequestAuthentication withSpec(RequestAuthenticationSpec newSpec) {
        return new RequestAuthentication(meta, newSpec);
    }
}
