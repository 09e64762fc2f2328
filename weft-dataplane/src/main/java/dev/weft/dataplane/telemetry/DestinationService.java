package dev.weft.dataplane.telemetry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code destination_service*} labels of a request: the service host, its short name and namespace, as Istio
 * derives them from a Kubernetes-style host ({@code name.namespace.svc.cluster.local}); other hosts (ServiceEntry)
 * keep the host as the name and {@code unknown} as the namespace.
 */
public record DestinationService(String host, String name, String namespace) {
    public static final DestinationService UNKNOWN =
            new DestinationService(Workload.UNKNOWN, Workload.UNKNOWN, Workload.UNKNOWN);
    private static final int MAX_CACHED = 4096;
    private static final Map<String, DestinationService> BY_CLUSTER = new ConcurrentHashMap<>();

    public static DestinationService ofHost(String host) {
        if (host == null || host.isEmpty()) {
            return UNKNOWN;
        }
        int svc = host.indexOf(".svc.");
        if (svc > 0) {
            String nameNs = host.substring(0, svc);
            int dot = nameNs.indexOf('.');
            if (dot > 0) {
                return new DestinationService(host, nameNs.substring(0, dot), nameNs.substring(dot + 1));
            }
        }
        return new DestinationService(host, host, Workload.UNKNOWN);
    }

    /** From an outbound cluster name {@code outbound|PORT|SUBSET|HOST} (docs/xds-conventions.md); cached. */
    public static DestinationService ofCluster(String clusterName) {
        if (clusterName == null) {
            return UNKNOWN;
        }
        DestinationService cached = BY_CLUSTER.get(clusterName);
        if (cached != null) {
            return cached;
        }
        int last = clusterName.lastIndexOf('|');
        DestinationService d = clusterName.startsWith("outbound|") && last > 0
                ? ofHost(clusterName.substring(last + 1)) : ofHost(clusterName);
        if (BY_CLUSTER.size() < MAX_CACHED) {
            BY_CLUSTER.putIfAbsent(clusterName, d);
        }
        return d;
    }
}
