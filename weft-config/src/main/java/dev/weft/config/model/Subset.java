package dev.weft.config.model;

import java.util.Map;

/** Istio {@code Subset}: endpoints whose labels include all of {@code labels}; its policy overrides the rule's. */
public record Subset(String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
    public Subset {
        labels = Immutables.map(labels);
    }
}
