package dev.weft.dataplane.xds;

import com.google.protobuf.UInt32Value;
import dev.weft.dataplane.outlier.OutlierDetectionConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import java.time.Duration;

/**
 * Cluster {@code outlier_detection} → {@link OutlierDetectionConfig}. A detector that is enforced but not supported
 * (success rate, failure percentage) is NACKed rather than silently ignored; an enforcing percentage other than 0 or
 * 100 is NACKed too (Weft ejects deterministically).
 */
final class OutlierDetectionParser {
    private OutlierDetectionParser() {}

    static OutlierDetectionConfig parse(OutlierDetection o, Cluster.CommonLbConfig lb, Rejector reject)
            throws ResourceRejectedException {
        String path = "outlier_detection";
        if (enforcing(o.hasEnforcingSuccessRate() ? o.getEnforcingSuccessRate() : null, 100, reject, path + ".enforcing_success_rate")) {
            throw reject.at(path + ".enforcing_success_rate",
                    "success-rate outlier detection is not supported; set enforcing_success_rate to 0");
        }
        if (enforcing(o.hasEnforcingFailurePercentage() ? o.getEnforcingFailurePercentage() : null, 0, reject,
                path + ".enforcing_failure_percentage")
                || enforcing(o.hasEnforcingFailurePercentageLocalOrigin()
                        ? o.getEnforcingFailurePercentageLocalOrigin() : null, 0, reject,
                        path + ".enforcing_failure_percentage_local_origin")) {
            throw reject.at(path + ".enforcing_failure_percentage", "failure-percentage detection is not supported");
        }
        int fiveXx = enforcing(o.hasEnforcingConsecutive5Xx() ? o.getEnforcingConsecutive5Xx() : null, 100, reject, path + ".enforcing_consecutive_5xx")
                ? o.hasConsecutive5Xx() ? o.getConsecutive5Xx().getValue() : OutlierDetectionConfig.DEFAULT_CONSECUTIVE_5XX : 0;
        int gateway = enforcing(o.hasEnforcingConsecutiveGatewayFailure() ? o.getEnforcingConsecutiveGatewayFailure() : null, 0, reject,
                path + ".enforcing_consecutive_gateway_failure") ? o.hasConsecutiveGatewayFailure() ? o.getConsecutiveGatewayFailure().getValue() : 5 : 0;
        // counted apart only when split; otherwise local-origin failures count as 503/504 responses
        int local = o.getSplitExternalLocalOriginErrors() && enforcing(o.hasEnforcingConsecutiveLocalOriginFailure()
                        ? o.getEnforcingConsecutiveLocalOriginFailure() : null, 100, reject,
                path + ".enforcing_consecutive_local_origin_failure")
                ? o.hasConsecutiveLocalOriginFailure() ? o.getConsecutiveLocalOriginFailure().getValue() : 5 : 0;
        Duration interval = o.hasInterval()
                ? RouteConfigurationParser.duration(o.getInterval(), reject, path + ".interval")
                : OutlierDetectionConfig.DEFAULT_INTERVAL;
        Duration base = o.hasBaseEjectionTime()
                ? RouteConfigurationParser.duration(o.getBaseEjectionTime(), reject, path + ".base_ejection_time")
                : OutlierDetectionConfig.DEFAULT_BASE_EJECTION_TIME;
        Duration max = o.hasMaxEjectionTime()
                ? RouteConfigurationParser.duration(o.getMaxEjectionTime(), reject, path + ".max_ejection_time")
                : OutlierDetectionConfig.DEFAULT_MAX_EJECTION_TIME;
        if (interval.toMillis() < 1 || base.toMillis() < 1) {
            throw reject.at(path, "interval and base_ejection_time must be at least 1ms");
        }
        int maxPercent = o.hasMaxEjectionPercent() ? o.getMaxEjectionPercent().getValue()
                : OutlierDetectionConfig.DEFAULT_MAX_EJECTION_PERCENT;
        if (maxPercent > 100) {
            throw reject.at(path + ".max_ejection_percent", "must be at most 100, got " + maxPercent);
        }
        double panic = lb.hasHealthyPanicThreshold() ? lb.getHealthyPanicThreshold().getValue()
                : OutlierDetectionConfig.DEFAULT_PANIC_THRESHOLD;
        if (panic < 0 || panic > 100) {
            throw reject.at("common_lb_config.healthy_panic_threshold", "must be 0..100, got " + panic);
        }
        return new OutlierDetectionConfig(fiveXx, gateway, local, o.getSplitExternalLocalOriginErrors(), interval,
                base, max, maxPercent, panic);
    }

    /** Whether a detector is enforced: Envoy's enforcing_* percentage, only 0 or 100 accepted. */
    private static boolean enforcing(UInt32Value v, int envoyDefault, Rejector reject, String path)
            throws ResourceRejectedException {
        int percent = v == null ? envoyDefault : v.getValue();
        if (percent != 0 && percent != 100) {
            throw reject.at(path, "only 0 or 100 is supported, got " + percent);
        }
        return percent == 100;
    }
}
