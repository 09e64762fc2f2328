package dev.weft.config.model;

import java.util.Map;

/** Istio {@code WorkloadSelector}: workloads whose labels include all of these. */
public record WorkloadSelector(Map<String, String> labels) {
    public WorkloadSelector {
        labels = Immutables.map(labels);
    }

    public boolean matches(Map<String, String> workloadLabels) {
        return workloadLabels.entrySet().containsAll(labels.entrySet());
    }
}
