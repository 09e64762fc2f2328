package dev.weft.controlplane.generator;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The part of a sidecar's routes a gRPC client applies (gRPC proposals A28 routing, A31 timeouts, A33 fault
 * injection, A44 retries, A42 ring-hash hash policies), so the same VirtualService means the same thing to both.
 * What gRPC would NACK is never sent; what it would silently ignore is left out so the config shows what applies:
 * <ul>
 *   <li>match: path ({@code prefix}/{@code path}/{@code safe_regex}, {@code case_sensitive}) and header matchers
 *       are kept. A route with query-parameter matchers is left out (gRPC skips such routes; a call has no query).
 *       A {@code :method} matcher for {@code POST} is dropped (every gRPC call is a POST); a route with any other
 *       pseudo-header matcher is left out (gRPC sees no pseudo-headers, so it could never match).</li>
 *   <li>action: {@code cluster} or {@code weighted_clusters} (name and weight), {@code hash_policy} of type
 *       {@code header}; the route {@code timeout} becomes {@code max_stream_duration} ({@code max_stream_duration}
 *       and {@code grpc_timeout_header_max}: the call's deadline is the smaller of its own and the timeout);
 *       {@code retry_policy} keeps {@code num_retries}, {@code retry_back_off} and the gRPC status conditions of
 *       {@code retry_on} ({@code cancelled}, {@code deadline-exceeded}, {@code internal}, {@code resource-exhausted},
 *       {@code unavailable}); without any, no policy. Rewrites, mirrors, header mutations, per-try timeouts and other
 *       hash policies are left out.</li>
 *   <li>a redirect or direct response (gRPC NACKs both) becomes a {@code non_forwarding_action}: the client fails the
 *       calls it matches with UNAVAILABLE instead of sending them on to a later route.</li>
 *   <li>{@code typed_per_filter_config} keeps the fault filter's config only.</li>
 * </ul>
 */
final class GrpcRoutes {
    /** The {@code retry_on} conditions gRPC clients act on (A44). */
    static final Set<String> GRPC_RETRY_ON = Set.of("cancelled", "deadline-exceeded", "internal",
            "resource-exhausted", "unavailable");

    private GrpcRoutes() {}

    static List<Route> adapt(List<Route> routes) {
        List<Route> out = new ArrayList<>(routes.size());
        for (Route r : routes) {
            Route adapted = adapt(r);
            if (adapted != null) {
                out.add(adapted);
            }
        }
        return out;
    }

    /** The gRPC form of one route, or null when a gRPC client could never select it. */
    static Route adapt(Route route) {
        RouteMatch match = match(route.getMatch());
        if (match == null) {
            return null;
        }
        Route.Builder out = Route.newBuilder().setName(route.getName()).setMatch(match);
        if (route.containsTypedPerFilterConfig(FaultInjectionTranslator.FILTER)) {
            out.putTypedPerFilterConfig(FaultInjectionTranslator.FILTER,
                    route.getTypedPerFilterConfigOrThrow(FaultInjectionTranslator.FILTER));
        }
        if (route.hasRoute()) {
            out.setRoute(action(route.getRoute()));
        } else {
            out.setNonForwardingAction(NonForwardingAction.getDefaultInstance());
        }
        return out.build();
    }

    private static RouteMatch match(RouteMatch match) {
        if (match.getQueryParametersCount() > 0) {
            return null;
        }
        RouteMatch.Builder b = match.toBuilder().clearHeaders();
        for (HeaderMatcher h : match.getHeadersList()) {
            if (!h.getName().startsWith(":")) {
                b.addHeaders(h);
            } else if (!isPost(h)) {
                return null;
            }
        }
        return b.build();
    }

    private static boolean isPost(HeaderMatcher h) {
        return h.getName().equals(":method") && !h.getInvertMatch() && h.hasStringMatch()
                && h.getStringMatch().getExact().toUpperCase(Locale.ROOT).equals("POST");
    }

    private static RouteAction action(RouteAction action) {
        RouteAction.Builder b = RouteAction.newBuilder();
        if (action.hasWeightedClusters()) {
            WeightedCluster.Builder wc = WeightedCluster.newBuilder();
            for (WeightedCluster.ClusterWeight c : action.getWeightedClusters().getClustersList()) {
                wc.addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(c.getName())
                        .setWeight(c.getWeight()));
            }
            b.setWeightedClusters(wc);
        } else {
            b.setCluster(action.getCluster());
        }
        for (RouteAction.HashPolicy h : action.getHashPolicyList()) {
            if (h.hasHeader()) {
                b.addHashPolicy(h);
            }
        }
        if (action.hasTimeout() && Durations.toNanos(action.getTimeout()) > 0) {
            b.setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder()
                    .setMaxStreamDuration(action.getTimeout())
                    .setGrpcTimeoutHeaderMax(action.getTimeout()));
        }
        if (action.hasRetryPolicy()) {
            RetryPolicy retry = retry(action.getRetryPolicy());
            if (retry != null) {
                b.setRetryPolicy(retry);
            }
        }
        return b.build();
    }

    private static RetryPolicy retry(RetryPolicy policy) {
        List<String> conditions = new ArrayList<>();
        for (String c : policy.getRetryOn().split(",")) {
            String condition = c.trim().toLowerCase(Locale.ROOT);
            if (GRPC_RETRY_ON.contains(condition) && !conditions.contains(condition)) {
                conditions.add(condition);
            }
        }
        if (conditions.isEmpty()) {
            return null;
        }
        RetryPolicy.Builder b = RetryPolicy.newBuilder().setRetryOn(String.join(",", conditions));
        if (policy.hasNumRetries()) {
            b.setNumRetries(policy.getNumRetries());
        }
        if (policy.hasRetryBackOff() && policy.getRetryBackOff().hasBaseInterval()) {
            b.setRetryBackOff(policy.getRetryBackOff());
        }
        return b.build();
    }
}
