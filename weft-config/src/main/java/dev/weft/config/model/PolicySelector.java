package dev.weft.config.model;

import java.util.Map;

/**
 * Istio {@code istio.type.v1beta1.WorkloadSelector} as used by security policies ({@code matchLabels}); an empty
 * selector matches every workload of the namespace.
 */
public record PolicySelector(Map<String, String> matchLabels) {
    public PolicySelector {
        matchLabels = Immutables.map(matchLabels);
    }

    public boolean matches(Map<String, String> workloadLabels) {
        return workloadLabels.entrySet().containsAll(matchLabels.entrySet());
    }
}
