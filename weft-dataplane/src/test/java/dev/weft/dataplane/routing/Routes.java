package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.VirtualHost;
import java.time.Duration;
import java.util.List;

/** Small builders for route config records in tests. */
final class Routes {
    private Routes() {}

    static RouteMatch prefix(String prefix) {
        return new RouteMatch(new RouteMatch.PathMatch.Prefix(prefix), true, List.of(), List.of());
    }

    static RouteAction.Forward forward(String cluster) {
        return new RouteAction.Forward(List.of(new RouteAction.WeightedCluster(cluster, 100, HeaderMutations.NONE,
                HeaderMutations.NONE)), null, null, null, Duration.ZERO, List.of(), null);
    }

    static Route route(String name, RouteMatch match, RouteAction action) {
        return new Route(name, match, action, HeaderMutations.NONE, HeaderMutations.NONE);
    }

    static VirtualHost host(String name, List<String> domains, Route... routes) {
        return new VirtualHost(name, domains, List.of(routes), HeaderMutations.NONE, HeaderMutations.NONE);
    }

    static String clusterOf(CompiledRoute r) {
        return r == null ? null : ((RouteAction.Forward) r.action()).clusters().getFirst().name();
    }
}
