package dev.weft.config.model;

import java.util.List;

/** Istio {@code DestinationRule.spec}. */
public record DestinationRuleSpec(String host, TrafficPolicy trafficPolicy, List<Subset> subsets,
                                  List<String> exportTo, WorkloadSelector workloadSelector) {
    public DestinationRuleSpec {
        subsets = Immutables.list(subsets);
        exportTo = Immutables.list(exportTo);
    }

    public Subset subset(String name) {
        for (Subset s : subsets) {
            if (s.name() != null && s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
