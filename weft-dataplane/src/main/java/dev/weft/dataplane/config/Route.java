package dev.weft.dataplane.config;

/**
 * One route of a virtual host: a match and what to do with requests that match.
 *
 * @param fault the route's fault injection, null for none
 * @param mirrors the route action's request mirror policies, empty for none
 * @param localRateLimit the route's own local rate limit (replacing the listener's), null for none
 */
public record Route(String name, RouteMatch match, RouteAction action, HeaderMutations requestHeaders,
                    HeaderMutations responseHeaders, dev.weft.dataplane.fault.FaultPolicy fault,
                    java.util.List<dev.weft.dataplane.mirror.MirrorPolicy> mirrors,
                    dev.weft.dataplane.ratelimit.LocalRateLimitConfig localRateLimit) {
    public Route {
        mirrors = mirrors == null ? java.util.List.of() : java.util.List.copyOf(mirrors);
    }

    /** A route without a local rate limit of its own. */
    public Route(String name, RouteMatch match, RouteAction action, HeaderMutations requestHeaders,
                 HeaderMutations responseHeaders, dev.weft.dataplane.fault.FaultPolicy fault,
                 java.util.List<dev.weft.dataplane.mirror.MirrorPolicy> mirrors) {
        this(name, match, action, requestHeaders, responseHeaders, fault, mirrors, null);
    }

    /** A route without mirroring. */
    public Route(String name, RouteMatch match, RouteAction action, HeaderMutations requestHeaders,
                 HeaderMutations responseHeaders, dev.weft.dataplane.fault.FaultPolicy fault) {
        this(name, match, action, requestHeaders, responseHeaders, fault, java.util.List.of());
    }

    /** A route without fault injection. */
    public Route(String name, RouteMatch match, RouteAction action, HeaderMutations requestHeaders,
                 HeaderMutations responseHeaders) {
        this(name, match, action, requestHeaders, responseHeaders, null);
    }
}
