package dev.weft.proxy.http;

/** Why the proxy answered instead of the upstream, with Envoy's response flag names. */
public enum ResponseFlag {
    /** No route (no virtual host or no route matched). */
    NR,
    /** The route names a cluster the config does not have. */
    NC,
    /** The cluster has no healthy upstream host. */
    UH,
    /** Connecting to the upstream failed (refused, timed out, name not resolved). */
    UF,
    /** The upstream connection closed or failed before a complete response. */
    UC,
    /** The route's timeout expired before the upstream answered. */
    UT,
    /** The downstream request could not be parsed. */
    DPE,
    /** The downstream connection closed before the response was complete. */
    DC,
    /** A circuit breaker of the cluster is open (too many requests in flight): answered at once, never queued. */
    UO,
    /** Fault injection delayed the request (VirtualService {@code fault.delay}). */
    DI,
    /** Fault injection answered the request itself (VirtualService {@code fault.abort}). */
    FI,
    /** An RBAC filter (AuthorizationPolicy) denied the request: 403 {@code RBAC: access denied}. */
    RBAC,
    /** The local rate limit had no token for the request (LocalRateLimit): 429 {@code local_rate_limited}. */
    RL,
    /** The external authorizer (ext_authz, AuthorizationPolicy CUSTOM) denied the request or could not be asked. */
    UAEX
}
