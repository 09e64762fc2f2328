package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.RouteTable;
import java.util.ArrayList;
import java.util.List;

/**
 * A RouteTable compiled once per config snapshot into lookup structures: a domain map to pick the virtual host,
 * then the host's routes in order. Immutable and safe to share between event loops.
 */
public final class Router {
    private final RouteTable table;
    private final VirtualHostSelector<CompiledVirtualHost> hosts;
    private final boolean usesQueryParameters;

    private Router(RouteTable table) {
        this.table = table;
        List<CompiledVirtualHost> compiled = new ArrayList<>(table.virtualHosts().size());
        boolean query = false;
        for (var vh : table.virtualHosts()) {
            CompiledVirtualHost c = new CompiledVirtualHost(vh);
            query |= c.usesQueryParameters();
            compiled.add(c);
        }
        this.hosts = VirtualHostSelector.build(compiled, c -> c.config().domains());
        this.usesQueryParameters = query;
    }

    public static Router compile(RouteTable table) {
        return new Router(table);
    }

    public RouteTable table() {
        return table;
    }

    /** The virtual host serving an authority, or null. */
    public CompiledVirtualHost virtualHost(String authority) {
        return hosts.select(authority);
    }

    /** The route for a request, or null when no virtual host or no route matches (Envoy's NR, a 404). */
    public CompiledRoute route(RequestHead head) {
        CompiledVirtualHost vh = hosts.select(head.authority());
        if (vh == null) {
            return null;
        }
        String path = head.path();
        int q = PathRewriter.queryStart(path);
        String pathOnly = q == path.length() ? path : path.substring(0, q);
        QueryParameters query = null;
        if (usesQueryParameters) {
            query = new QueryParameters(q < path.length() && path.charAt(q) == '?' ? queryText(path, q) : null);
        }
        return vh.match(head, pathOnly, query);
    }

    private static String queryText(String path, int q) {
        int fragment = path.indexOf('#', q);
        return fragment < 0 ? path.substring(q + 1) : path.substring(q + 1, fragment);
    }
}
