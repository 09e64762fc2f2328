package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteAction.WeightedCluster;

/** A route prepared for the request path: its matcher, cluster picker, rewrite, redirect and hashing. */
public final class CompiledRoute {
    private final Route route;
    private final CompiledVirtualHost virtualHost;
    private final RouteMatcher matcher;
    private final WeightedClusterPicker clusterPicker; // forward routes only
    private final PathRewriter rewriter; // forward routes only
    private final RequestHasher hasher; // forward routes with hash policies only
    private final RedirectBuilder redirect; // redirect routes only

    CompiledRoute(Route route, CompiledVirtualHost virtualHost) {
        this.route = route;
        this.virtualHost = virtualHost;
        this.matcher = new RouteMatcher(route.match());
        if (route.action() instanceof RouteAction.Forward f) {
            this.clusterPicker = new WeightedClusterPicker(f.clusters());
            this.rewriter = new PathRewriter(f.prefixRewrite(), f.regexRewrite());
            this.hasher = f.hashPolicies().isEmpty() ? null : new RequestHasher(f.hashPolicies());
            this.redirect = null;
        } else if (route.action() instanceof RouteAction.Redirect r) {
            this.clusterPicker = null;
            this.rewriter = null;
            this.hasher = null;
            this.redirect = new RedirectBuilder(r);
        } else {
            this.clusterPicker = null;
            this.rewriter = null;
            this.hasher = null;
            this.redirect = null;
        }
    }

    public Route route() {
        return route;
    }

    public RouteAction action() {
        return route.action();
    }

    public CompiledVirtualHost virtualHost() {
        return virtualHost;
    }

    RouteMatcher matcher() {
        return matcher;
    }

    /** The cluster for this request among the route's weighted clusters; only for forward routes. */
    public WeightedCluster pickCluster() {
        if (clusterPicker == null) {
            throw new IllegalStateException("route " + route.name() + " does not forward");
        }
        return clusterPicker.pick();
    }

    /** The path to send upstream (with query); the same string when the route has no rewrite. */
    public String upstreamPath(String pathWithQuery) {
        if (rewriter == null || !rewriter.rewrites()) {
            return pathWithQuery;
        }
        return rewriter.rewrite(pathWithQuery, matcher.matchedPrefixLength(PathRewriter.queryStart(pathWithQuery)));
    }

    /** The redirect status (301 by default); only for redirect routes. */
    public int redirectStatus() {
        return redirect.status();
    }

    /** The Location URL for this request; only for redirect routes. */
    public String redirectLocation(RequestHead head) {
        return redirect.location(head, matcher.matchedPrefixLength(PathRewriter.queryStart(head.path())));
    }

    /** The consistent-hash key for this request, or null when the route hashes nothing (random pick). */
    public RequestHash hash(RequestHead head) {
        return hasher == null ? null : hasher.hash(head);
    }

    @Override
    public String toString() {
        return virtualHost.name() + "/" + route.name();
    }
}
