package dev.weft.config;

import dev.weft.config.model.LocalRateLimit;
import java.util.List;
import java.util.Map;

/**
 * Which LocalRateLimit applies to one workload, resolved like Istio's workload policies: one in the workload's
 * namespace whose selector matches its labels, else one in its namespace without a selector, else a mesh-wide one
 * (no selector, in the root namespace {@code istio-system}). Several at one level: the first in load order wins.
 * Limits do not merge: the chosen resource's buckets are the workload's buckets.
 */
public final class LocalRateLimits {
    private LocalRateLimits() {}

    /** The LocalRateLimit for the workload, or null. */
    public static LocalRateLimit selecting(List<LocalRateLimit> limits, String namespace, Map<String, String> labels) {
        LocalRateLimit workload = null;
        LocalRateLimit namespaceWide = null;
        LocalRateLimit meshWide = null;
        for (LocalRateLimit l : limits) {
            boolean selects = l.spec().selector() != null && !l.spec().selector().matchLabels().isEmpty();
            String ns = l.meta().namespace();
            if (ns.equals(namespace) && selects && l.spec().selector().matches(labels)) {
                workload = workload == null ? l : workload;
            } else if (ns.equals(namespace) && !selects) {
                namespaceWide = namespaceWide == null ? l : namespaceWide;
            } else if (ns.equals(PeerAuthentications.ROOT_NAMESPACE) && !selects) {
                meshWide = meshWide == null ? l : meshWide;
            }
        }
        return workload != null ? workload : namespaceWide != null ? namespaceWide : meshWide;
    }
}
