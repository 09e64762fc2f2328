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
