package dev.weft.dataplane.config;

/** One route of a virtual host: a match and what to do with requests that match. */
public record Route(String name, RouteMatch match, RouteAction action, HeaderMutations requestHeaders,
                    HeaderMutations responseHeaders) {}
