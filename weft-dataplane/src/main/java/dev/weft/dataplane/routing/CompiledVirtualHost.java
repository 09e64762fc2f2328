package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.VirtualHost;
import java.util.ArrayList;
import java.util.List;

/** A virtual host with its routes compiled, evaluated in order. */
public final class CompiledVirtualHost {
    private final VirtualHost config;
    private final CompiledRoute[] routes;

    CompiledVirtualHost(VirtualHost config) {
        this.config = config;
        List<CompiledRoute> compiled = new ArrayList<>(config.routes().size());
        for (var route : config.routes()) {
            compiled.add(new CompiledRoute(route, this));
        }
        this.routes = compiled.toArray(CompiledRoute[]::new);
    }

    public VirtualHost config() {
        return config;
    }

    public String name() {
        return config.name();
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
        for (CompiledRoute r : routes) {
            if (r.matcher().matches(head, pathOnly, query)) {
                return r;
            }
        }
        return null;
    }
}
