package dev.weft.controlplane.generator;

import com.google.protobuf.util.Durations;
import dev.weft.config.model.ConsistentHashLb;
import dev.weft.config.model.LoadBalancerSettings;
import io.envoyproxy.envoy.config.route.v3.RouteAction;

import java.util.List;

/** A DestinationRule's consistentHash as the route's hash_policy (Envoy hashes per route, not per cluster). */
final class HashPolicies {
    private HashPolicies() {}

    static List<RouteAction.HashPolicy> of(LoadBalancerSettings lb) {
        if (lb == null || lb.consistentHash() == null) {
            return List.of();
        }
        ConsistentHashLb ch = lb.consistentHash();
        RouteAction.HashPolicy.Builder p = RouteAction.HashPolicy.newBuilder();
        if (ch.httpHeaderName() != null) {
            p.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(ch.httpHeaderName()));
        } else if (ch.httpCookie() != null) {
            RouteAction.HashPolicy.Cookie.Builder c = RouteAction.HashPolicy.Cookie.newBuilder()
                    .setName(ch.httpCookie().name());
            if (ch.httpCookie().path() != null) {
                c.setPath(ch.httpCookie().path());
            }
            if (ch.httpCookie().ttl() != null) {
                c.setTtl(Durations.fromNanos(ch.httpCookie().ttl().toNanos()));
            }
            p.setCookie(c);
        } else if (Boolean.TRUE.equals(ch.useSourceIp())) {
            p.setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
        } else if (ch.httpQueryParameterName() != null) {
            p.setQueryParameter(RouteAction.HashPolicy.QueryParameter.newBuilder()
                    .setName(ch.httpQueryParameterName()));
        } else {
            return List.of();
        }
        return List.of(p.build());
    }
}
