package dev.weft.controlplane.registry;

import java.util.Map;

/**
 * One endpoint of one service port.
 *
 * @param serviceHost the service's fully qualified host
 * @param servicePort the service port this endpoint serves
 * @param address IP (or DNS name for DNS services) peers connect to
 * @param port port peers connect to (a proxy's inbound port, or the workload's own port)
 * @param labels the workload's labels, used by subsets
 * @param sidecar whether a Weft proxy is in front of the endpoint
 * @param weight load-balancing weight (at least 1)
 * @param origin who registered it ("proxy <node id>", "WorkloadEntry ns/name", "ServiceEntry ns/name")
 * @param serviceAccount the SPIFFE ID the workload runs as ({@code spiffe://<td>/ns/<ns>/sa/<sa>}), null when
 *     unknown (a WorkloadEntry or ServiceEntry endpoint without {@code serviceAccount})
 */
public record WorkloadEndpoint(String serviceHost, int servicePort, String address, int port,
                               Map<String, String> labels, boolean sidecar, int weight, String origin,
                               String serviceAccount) {
    public WorkloadEndpoint {
        labels = Map.copyOf(labels);
        weight = Math.max(1, weight);
    }

    /** Istio's SPIFFE ID of a service account: {@code spiffe://<trust-domain>/ns/<namespace>/sa/<account>}. */
    public static String spiffeId(String trustDomain, String namespace, String serviceAccount) {
        return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    /** Whether the endpoint's labels include all of {@code selector}. */
    public boolean matches(Map<String, String> selector) {
        return labels.entrySet().containsAll(selector.entrySet());
    }
}
