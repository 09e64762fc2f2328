package dev.weft.controlplane.generator;

import dev.weft.config.model.ConnectionPoolSettings;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.LoadBalancerSettings;
import dev.weft.config.model.Subset;
import dev.weft.config.model.TrafficPolicy;

import java.time.Duration;
import java.util.function.Function;

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
        LoadBalancerSettings lb = setting(rule, port, subsetName, TrafficPolicy::loadBalancer,
                TrafficPolicy.PortTrafficPolicy::loadBalancer);
        ConnectionPoolSettings pool = setting(rule, port, subsetName, TrafficPolicy::connectionPool,
                TrafficPolicy.PortTrafficPolicy::connectionPool);
        Duration connect = pool != null && pool.tcp() != null && pool.tcp().connectTimeout() != null
                ? pool.tcp().connectTimeout() : DEFAULT_CONNECT_TIMEOUT;
        return new EffectiveTrafficPolicy(lb, connect);
    }

    /**
     * One setting of a DestinationRule for (port, subset) with Istio's precedence — the subset's policy over the
     * rule's, and within each the port-level setting over the policy-wide one; null when none sets it.
     */
    public static <T> T setting(DestinationRule rule, int port, String subsetName,
                                Function<TrafficPolicy, T> policyWide,
                                Function<TrafficPolicy.PortTrafficPolicy, T> portLevel) {
        if (rule == null) {
            return null;
        }
        TrafficPolicy sub = null;
        if (subsetName != null && !subsetName.isEmpty()) {
            Subset subset = rule.spec().subset(subsetName);
            sub = subset == null ? null : subset.trafficPolicy();
        }
        T fromSubset = setting(sub, port, policyWide, portLevel);
        return fromSubset != null ? fromSubset : setting(rule.spec().trafficPolicy(), port, policyWide, portLevel);
    }

    private static <T> T setting(TrafficPolicy p, int port, Function<TrafficPolicy, T> policyWide,
                                 Function<TrafficPolicy.PortTrafficPolicy, T> portLevel) {
        if (p == null) {
            return null;
        }
        for (TrafficPolicy.PortTrafficPolicy pl : p.portLevelSettings()) {
            if (pl.port() != null && pl.port().number() != null && pl.port().number() == port
                    && portLevel.apply(pl) != null) {
                return portLevel.apply(pl);
            }
        }
        return policyWide.apply(p);
    }
}
