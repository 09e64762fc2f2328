package dev.weft.controlplane.generator;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.OutlierDetection;
import dev.weft.config.model.TrafficPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * DestinationRule {@code outlierDetection} → Envoy {@code outlier_detection}, as Istio translates it: success-rate
 * detection off, each consecutive-error detector enforced at 100% when its threshold is above 0,
 * {@code minHealthPercent} as the cluster's {@code healthy_panic_threshold}. Precedence as for the other policies:
 * subset over rule, port-level over policy-wide.
 */
final class OutlierDetectionTranslator {
    private OutlierDetectionTranslator() {}

    /** Sets {@code outlier_detection} (and the panic threshold) on {@code c} when a policy asks for it. */
    static void apply(Cluster.Builder c, DestinationRule rule, int port, String subsetName) {
        OutlierDetection od = resolve(rule, port, subsetName);
        if (od == null) {
            return;
        }
        io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.Builder out =
                io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
                        .setEnforcingSuccessRate(UInt32Value.of(0));
        Integer fiveXx = od.consecutive5xxErrors() != null ? od.consecutive5xxErrors() : od.consecutiveErrors();
        if (fiveXx != null) {
            out.setConsecutive5Xx(UInt32Value.of(fiveXx)).setEnforcingConsecutive5Xx(UInt32Value.of(fiveXx > 0 ? 100 : 0));
        }
        if (od.consecutiveGatewayErrors() != null) {
            int v = od.consecutiveGatewayErrors();
            out.setConsecutiveGatewayFailure(UInt32Value.of(v))
                    .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(v > 0 ? 100 : 0));
        }
        if (od.interval() != null) {
            out.setInterval(Durations.fromNanos(od.interval().toNanos()));
        }
        if (od.baseEjectionTime() != null) {
            out.setBaseEjectionTime(Durations.fromNanos(od.baseEjectionTime().toNanos()));
        }
        if (od.maxEjectionPercent() != null && od.maxEjectionPercent() > 0) {
            out.setMaxEjectionPercent(UInt32Value.of(od.maxEjectionPercent()));
        }
        // as in Istio, consecutiveLocalOriginFailures counts only when local-origin errors are split out
        if (Boolean.TRUE.equals(od.splitExternalLocalOriginErrors())) {
            out.setSplitExternalLocalOriginErrors(true);
            if (od.consecutiveLocalOriginFailures() != null && od.consecutiveLocalOriginFailures() > 0) {
                out.setConsecutiveLocalOriginFailure(UInt32Value.of(od.consecutiveLocalOriginFailures()))
                        .setEnforcingConsecutiveLocalOriginFailure(UInt32Value.of(100));
            } else {
                out.setEnforcingConsecutiveLocalOriginFailure(UInt32Value.of(0));
            }
        }
        c.setOutlierDetection(out);
        // Istio sets the panic threshold even when minHealthPercent is 0 (Envoy's own default is 50%).
        int minHealth = od.minHealthPercent() == null ? 0 : od.minHealthPercent();
        c.setCommonLbConfig(c.getCommonLbConfig().toBuilder().setHealthyPanicThreshold(Percent.newBuilder()
                .setValue(minHealth)));
    }

    static OutlierDetection resolve(DestinationRule rule, int port, String subsetName) {
        return EffectiveTrafficPolicy.setting(rule, port, subsetName, TrafficPolicy::outlierDetection,
                TrafficPolicy.PortTrafficPolicy::outlierDetection);
    }
}
