package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.VirtualHost;
import java.util.ArrayList;
import java.util.List;

/** A virtual host with its routes compiled, evaluated in order (through a {@link RouteIndex} when there are many). */
public final class CompiledVirtualHost {
    private final VirtualHost config;
    private final CompiledRoute[] routes;
    /** Null for short route lists, which are scanned. */
    private final RouteIndex index;

    CompiledVirtualHost(VirtualHost config) {
        this.config = config;
        List<CompiledRoute> compiled = new ArrayList<>(config.routes().size());
        for (var route : config.routes()) {
            compiled.add(new CompiledRoute(route, this));
        }
        this.routes = compiled.toArray(CompiledRoute[]::new);
        this.index = RouteIndex.build(routes);
    }

    public VirtualHost config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    /** The compiled routes in configuration order (not copied: callers must not modify). */
    CompiledRoute[] routes() {
        return routes;
    }

    boolean usesQueryParameters() {
        for (CompiledRoute r : routes) {
            if (r.matcher().usesQueryParameters()) {
                return true;
            }
        }
        return false;
    }

    /** The first route whose match holds, or null. */
    CompiledRoute match(RequestHead head, String pathOnly, QueryParameters query) {
        if (index != null) {
            return index.match(head, pathOnly, query);
        }
        for (CompiledRoute r : routes) {
            if (r.matcher().matches(head, pathOnly, query)) {
                return r;
            }
        }
        return null;
    }
}
