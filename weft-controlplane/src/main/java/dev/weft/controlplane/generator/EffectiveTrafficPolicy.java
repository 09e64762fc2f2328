package dev.weft.controlplane.generator;

import dev.weft.config.model.ConnectionPoolSettings;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.LoadBalancerSettings;
import dev.weft.config.model.Subset;
import dev.weft.config.model.TrafficPolicy;

import java.time.Duration;

/**
 * The traffic policy that applies to one (host, port, subset), resolved with Istio's precedence: a subset's
 * policy overrides the rule's, and within each a port-level setting overrides the policy-wide one.
 *
 * @param loadBalancer null when nothing is set (Istio's default, LEAST_REQUEST)
 * @param connectTimeout the TCP connect timeout (10 s unless set)
 */
public record EffectiveTrafficPolicy(LoadBalancerSettings loadBalancer, Duration connectTimeout) {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public static EffectiveTrafficPolicy resolve(DestinationRule rule, int port, String subsetName) {
        if (rule == null) {
            return new EffectiveTrafficPolicy(null, DEFAULT_CONNECT_TIMEOUT);
        }
        TrafficPolicy top = rule.spec().trafficPolicy();
        TrafficPolicy sub = null;
        if (subsetName != null && !subsetName.isEmpty()) {
            Subset subset = rule.spec().subset(subsetName);
            sub = subset == null ? null : subset.trafficPolicy();
        }
        LoadBalancerSettings lb = first(lb(sub, port), lb(top, port));
        ConnectionPoolSettings pool = first(pool(sub, port), pool(top, port));
        Duration connect = pool != null && pool.tcp() != null && pool.tcp().connectTimeout() != null
                ? pool.tcp().connectTimeout() : DEFAULT_CONNECT_TIMEOUT;
        return new EffectiveTrafficPolicy(lb, connect);
    }

    private static LoadBalancerSettings lb(TrafficPolicy p, int port) {
        if (p == null) {
            return null;
        }
        TrafficPolicy.PortTrafficPolicy pl = portLevel(p, port);
        return pl != null && pl.loadBalancer() != null ? pl.loadBalancer() : p.loadBalancer();
    }

    private static ConnectionPoolSettings pool(TrafficPolicy p, int port) {
        if (p == null) {
            return null;
        }
        TrafficPolicy.PortTrafficPolicy pl = portLevel(p, port);
        return pl != null && pl.connectionPool() != null ? pl.connectionPool() : p.connectionPool();
    }

    private static TrafficPolicy.PortTrafficPolicy portLevel(TrafficPolicy p, int port) {
        for (TrafficPolicy.PortTrafficPolicy pl : p.portLevelSettings()) {
            if (pl.port() != null && pl.port().number() != null && pl.port().number() == port) {
                return pl;
            }
        }
        return null;
    }

    private static <T> T first(T a, T b) {
        return a != null ? a : b;
    }
}
