package dev.weft.proxy.telemetry;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.ClusterManager;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.telemetry.PrometheusText;
import dev.weft.dataplane.xds.XdsStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The proxy's own state, read when scraped: per cluster the endpoints, healthy endpoints, requests in flight,
 * retries (sent and refused by the budget) and outlier ejections (Envoy's stat names, with the cluster as a label as
 * Istio exports them), and the xDS client's connection, applied versions and NACKs.
 */
public final class ProxyStats {
    private ProxyStats() {}

    public static void writeClusters(StringBuilder out, ClusterManager clusters) {
        List<Cluster> all = new ArrayList<>(clusters.all());
        all.sort(Comparator.comparing(c -> c.config().name()));
        PrometheusText.type(out, "envoy_cluster_membership_total", "gauge", "Endpoints of the cluster.");
        for (Cluster c : all) {
            PrometheusText.sample(out, "envoy_cluster_membership_total", label(c), c.hosts().size());
        }
        PrometheusText.type(out, "envoy_cluster_membership_healthy", "gauge", "Healthy endpoints of the cluster.");
        for (Cluster c : all) {
            long healthy = c.hosts().stream().filter(h -> h.endpoint().healthy()).count();
            PrometheusText.sample(out, "envoy_cluster_membership_healthy", label(c), healthy);
        }
        PrometheusText.type(out, "envoy_cluster_upstream_rq_active", "gauge", "Requests in flight to the cluster.");
        for (Cluster c : all) {
            long active = 0;
            for (UpstreamHost h : c.hosts()) {
                active += h.activeRequests();
            }
            PrometheusText.sample(out, "envoy_cluster_upstream_rq_active", label(c), active);
        }
        PrometheusText.type(out, "envoy_cluster_upstream_rq_retry", "counter", "Retries sent to the cluster.");
        for (Cluster c : all) {
            PrometheusText.sample(out, "envoy_cluster_upstream_rq_retry", label(c), c.traffic().retriesTotal());
        }
        PrometheusText.type(out, "envoy_cluster_upstream_rq_retry_overflow", "counter",
                "Retries not sent because the cluster's retry budget was used up.");
        for (Cluster c : all) {
            PrometheusText.sample(out, "envoy_cluster_upstream_rq_retry_overflow", label(c), c.traffic().retriesDenied());
        }
        writeConnectionPools(out, all);
        PrometheusText.type(out, "envoy_cluster_outlier_detection_ejections_active", "gauge",
                "Endpoints of the cluster ejected by outlier detection now.");
        for (Cluster c : all) {
            long ejected = c.hosts().stream().filter(h -> h.outlier().isEjected()).count();
            PrometheusText.sample(out, "envoy_cluster_outlier_detection_ejections_active", label(c), ejected);
        }
        PrometheusText.type(out, "envoy_cluster_outlier_detection_ejections_enforced_total", "counter",
                "Ejections of the cluster's current endpoints so far.");
        for (Cluster c : all) {
            long times = 0;
            for (UpstreamHost h : c.hosts()) {
                times += h.outlier().timesEjected();
            }
            PrometheusText.sample(out, "envoy_cluster_outlier_detection_ejections_enforced_total", label(c), times);
        }
    }

    /** Pool saturation: open connections, waiting requests, and what the limits turned away (Envoy's names). */
    private static void writeConnectionPools(StringBuilder out, List<Cluster> all) {
        poolStat(out, all, "envoy_cluster_upstream_cx_active", "gauge", "Open upstream connections of the cluster.",
                c -> c.connections().activeConnections());
        poolStat(out, all, "envoy_cluster_upstream_cx_total", "counter", "Upstream connections opened.",
                c -> c.connections().connectionsTotal());
        poolStat(out, all, "envoy_cluster_upstream_cx_overflow", "counter",
                "Times a connection was not opened because of max_connections.",
                c -> c.connections().connectionOverflows());
        poolStat(out, all, "envoy_cluster_upstream_rq_pending_active", "gauge",
                "Requests waiting for an upstream connection.", c -> c.connections().pendingRequests());
        poolStat(out, all, "envoy_cluster_upstream_rq_pending_total", "counter",
                "Requests that waited for an upstream connection.", c -> c.connections().pendingTotal());
        poolStat(out, all, "envoy_cluster_upstream_rq_pending_overflow", "counter",
                "Requests answered 503 UO because max_pending_requests requests were waiting.",
                c -> c.connections().pendingOverflows());
        poolStat(out, all, "envoy_cluster_upstream_cx_idle_timeout", "counter",
                "Upstream connections closed for being idle.", c -> c.connections().closedIdleTotal());
        poolStat(out, all, "envoy_cluster_upstream_cx_max_requests", "counter",
                "Upstream connections closed after max_requests_per_connection requests.",
                c -> c.connections().closedMaxRequestsTotal());
        poolStat(out, all, "weft_cluster_upstream_rq_reused_connection_replay", "counter",
                "Requests sent once more on a new connection because the reused connection they went on closed "
                        + "before answering (not a retry policy's retry).",
                c -> c.connections().reusedConnectionReplaysTotal());
    }

    private static void poolStat(StringBuilder out, List<Cluster> all, String name, String type, String help,
                                 java.util.function.ToLongFunction<Cluster> value) {
        PrometheusText.type(out, name, type, help);
        for (Cluster c : all) {
            PrometheusText.sample(out, name, label(c), value.applyAsLong(c));
        }
    }

    private static String label(Cluster c) {
        return PrometheusText.labels("cluster_name", c.config().name());
    }

    public static void writeXds(StringBuilder out, XdsStatus status) {
        PrometheusText.type(out, "weft_xds_connected", "gauge", "1 while the control plane answers on the stream.");
        PrometheusText.sample(out, "weft_xds_connected", "",
                status.connection() == XdsStatus.ConnectionState.CONNECTED ? 1 : 0);
        PrometheusText.type(out, "weft_xds_config_from_cache", "gauge",
                "1 while the config served came from the disk cache and the control plane has not answered.");
        PrometheusText.sample(out, "weft_xds_config_from_cache", "", status.loadedFromCache() ? 1 : 0);
        PrometheusText.type(out, "weft_xds_reconnects_total", "counter", "Times the xDS stream failed and was reopened.");
        PrometheusText.sample(out, "weft_xds_reconnects_total", "", status.reconnects());
        PrometheusText.type(out, "weft_xds_config_version", "gauge",
                "The applied config version per type (0 when none or not numeric).");
        for (Map.Entry<String, String> e : new TreeMap<>(status.appliedVersions()).entrySet()) {
            PrometheusText.sample(out, "weft_xds_config_version", PrometheusText.labels("type", e.getKey()),
                    numeric(e.getValue()));
        }
        PrometheusText.type(out, "weft_xds_nack", "gauge",
                "1 when the last response of the type was rejected (the previous config is kept).");
        for (String type : new TreeMap<>(status.appliedVersions()).keySet()) {
            PrometheusText.sample(out, "weft_xds_nack", PrometheusText.labels("type", type),
                    status.lastNacks().containsKey(type) ? 1 : 0);
        }
    }

    private static double numeric(String version) {
        try {
            return version == null ? 0 : Double.parseDouble(version);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
