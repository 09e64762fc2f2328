package dev.weft.dataplane.config;

import java.util.List;

/** Routes for a set of domains; header mutations here apply to every route of the host. */
public record VirtualHost(String name, List<String> domains, List<Route> routes, HeaderMutations requestHeaders,
                          HeaderMutations responseHeaders) {
    public VirtualHost {
        domains = List.copyOf(domains);
        routes = List.copyOf(routes);
    }
}
