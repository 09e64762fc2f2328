package dev.weft.proxy.view;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.ClusterManager;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.routing.Router;
import dev.weft.proxy.http.ForwardedHeadersFilter;
import dev.weft.proxy.http.HttpFilter;
import dev.weft.proxy.http.RequestIdFilter;
import dev.weft.proxy.ratelimit.LocalRateLimitFilter;
import dev.weft.proxy.ratelimit.RateLimitBuckets;
import dev.weft.proxy.telemetry.ProxyTelemetry;
import dev.weft.proxy.telemetry.ResilienceStats;
import java.util.HashSet;
import java.util.Set;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The immutable, compiled form of one config snapshot that requests read: a router and filter chain per listener,
 * and the live clusters. A new snapshot builds a new view that replaces this one atomically; requests in flight
 * keep the view they started with.
 */
public final class DataPlaneView {
    public static final DataPlaneView EMPTY = new DataPlaneView(ConfigSnapshot.EMPTY, Map.of(), null, null,
            new ResilienceStats());

    private static final HttpFilter REQUEST_ID = new RequestIdFilter();
    private static final HttpFilter FORWARDED = new ForwardedHeadersFilter();

    private final ConfigSnapshot snapshot;
    private final Map<String, ListenerRuntime> listeners;
    private final ClusterManager clusters;
    private final ProxyTelemetry telemetry;
    private final ResilienceStats resilience;

    private DataPlaneView(ConfigSnapshot snapshot, Map<String, ListenerRuntime> listeners, ClusterManager clusters,
                          ProxyTelemetry telemetry, ResilienceStats resilience) {
        this.snapshot = snapshot;
        this.listeners = listeners;
        this.clusters = clusters;
        this.telemetry = telemetry;
        this.resilience = resilience;
    }

    /** Compiles every route table once (tables shared by several listeners are compiled once). */
    public static DataPlaneView compile(ConfigSnapshot snapshot, ClusterManager clusters) {
        return compile(snapshot, clusters, null);
    }

    /** As above, with {@code telemetry} observing every listener's requests (null: no telemetry). */
    public static DataPlaneView compile(ConfigSnapshot snapshot, ClusterManager clusters, ProxyTelemetry telemetry) {
        return compile(snapshot, clusters, telemetry, new RateLimitBuckets());
    }

    /** As above, keeping the local rate limit buckets of {@code buckets} whose settings did not change. */
    public static DataPlaneView compile(ConfigSnapshot snapshot, ClusterManager clusters, ProxyTelemetry telemetry,
                                        RateLimitBuckets buckets) {
        ResilienceStats resilience = telemetry != null ? telemetry.resilience() : new ResilienceStats();
        Map<RouteTable, Router> compiled = new IdentityHashMap<>();
        Map<String, ListenerRuntime> listeners = new HashMap<>();
        Set<Object> usedBuckets = new HashSet<>();
        for (ListenerConfig listener : snapshot.listeners().values()) {
            RouteTable table = snapshot.routeTableFor(listener);
            Router router = table == null ? null : compiled.computeIfAbsent(table, Router::compile);
            List<HttpFilter> filters = filtersFor(listener, telemetry, clusters);
            if (!listener.isTcp()) {
                HttpFilter rateLimit = LocalRateLimitFilter.of(listener, table, buckets, resilience, usedBuckets);
                if (rateLimit != null) {
                    filters.add(rateLimit); // after authorization; fault injection and the router come later
                }
            }
            listeners.put(listener.name(), new ListenerRuntime(listener, router, filters));
        }
        buckets.retainOnly(usedBuckets);
        return new DataPlaneView(snapshot, Map.copyOf(listeners), clusters, telemetry, resilience);
    }

    private static List<HttpFilter> filtersFor(ListenerConfig listener, ProxyTelemetry telemetry,
                                               ClusterManager clusters) {
        List<HttpFilter> filters = new ArrayList<>(3);
        if (listener.isTcp()) {
            return List.of(); // bytes, not requests: no HTTP filters
        }
        if (telemetry != null) {
            filters.add(telemetry.filterFor(listener)); // first, so it sees requests later filters reject
        }
        if (listener.http().generateRequestId()) {
            filters.add(REQUEST_ID);
        }
        filters.add(FORWARDED);
        if (listener.tls() != null) {
            filters.add(dev.weft.proxy.tls.ClientCertHeaderFilter.INSTANCE); // XFCC from the verified peer
        }
        if (listener.http().jwtAuthn() != null) {
            filters.add(new dev.weft.proxy.authz.JwtAuthnFilter(listener.http().jwtAuthn())); // RequestAuthentication
        }
        if (listener.http().extAuthz() != null) { // AuthorizationPolicy CUSTOM: before DENY and ALLOW
            filters.add(new dev.weft.proxy.authz.ExtAuthzFilter(listener,
                    name -> clusters == null ? null : clusters.get(name),
                    telemetry != null ? telemetry.extAuthz() : new dev.weft.proxy.authz.ExtAuthzStats()));
        }
        if (!listener.http().rbacFilters().isEmpty()) {
            filters.add(new dev.weft.proxy.authz.AuthorizationFilter(listener)); // AuthorizationPolicy
        }
        return filters;
    }

    /** The proxy's telemetry, or null when the view was compiled without one. */
    public ProxyTelemetry telemetry() {
        return telemetry;
    }

    /** The proxy's counters of rate limiting, fault injection and mirroring. */
    public ResilienceStats resilience() {
        return resilience;
    }

    public ConfigSnapshot snapshot() {
        return snapshot;
    }

    /** The listener's runtime, or null when the snapshot no longer has it (its socket is being closed). */
    public ListenerRuntime listener(String name) {
        return listeners.get(name);
    }

    /** The cluster, or null when the config has none by that name. */
    public Cluster cluster(String name) {
        return clusters == null ? null : clusters.get(name);
    }
}
