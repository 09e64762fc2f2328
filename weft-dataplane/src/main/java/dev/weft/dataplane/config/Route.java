package dev.weft.dataplane.config;

/**
 * One route of a virtual host: a match and what to do with requests that match.
 *
 * @param fault the route's fault injection, null for none
 */
public record Route(String name, RouteMatch match, RouteAction action, HeaderMutations requestHeaders,
                    HeaderMutations responseHeaders, dev.weft.dataplane.fault.FaultPolicy fault) {
    /** A route without fault injection. */
    public Route(String name, RouteMatch match, RouteAction action, HeaderMutations requestHeaders,
                 HeaderMutations responseHeaders) {
        this(name, match, action, requestHeaders, responseHeaders, null);
    }
}
