package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import dev.weft.dataplane.config.TcpProxyConfig;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.network.tcp_proxy} → {@link TcpProxyConfig}. Supported: stat_prefix, cluster or
 * weighted_clusters (name, weight), idle_timeout and max_connect_attempts 1. Everything else (metadata_match,
 * tunneling, hash policies, access logs, ...) is NACKed, naming the field, so a proxy never silently ignores it.
 */
public final class TcpProxyParser {
    public static final String FILTER_NAME = "envoy.filters.network.tcp_proxy";
    static final String TYPE = TypedAny.url("envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy");

    private TcpProxyParser() {}

    static TcpProxyConfig parse(Any any, Rejector reject, String path) throws ResourceRejectedException {
        TcpProxy tcp = TypedAny.unpack(any, TYPE, TcpProxy.parser(), reject, path);
        TcpProxy.Builder rest = tcp.toBuilder().clearStatPrefix().clearCluster().clearWeightedClusters()
                .clearIdleTimeout();
        if (tcp.hasMaxConnectAttempts() && tcp.getMaxConnectAttempts().getValue() == 1) {
            rest.clearMaxConnectAttempts();
        }
        if (TypedAny.firstSetField(rest.build()) instanceof String unsupported) {
            throw reject.at(path + "." + unsupported, "not supported by Weft's tcp_proxy");
        }
        if (tcp.getStatPrefix().isEmpty()) {
            throw reject.at(path + ".stat_prefix", "missing stat_prefix");
        }
        List<TcpProxyConfig.WeightedCluster> clusters = new ArrayList<>();
        switch (tcp.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (tcp.getCluster().isEmpty()) {
                    throw reject.at(path + ".cluster", "empty cluster name");
                }
                clusters.add(new TcpProxyConfig.WeightedCluster(tcp.getCluster(), 1));
            }
            case WEIGHTED_CLUSTERS -> {
                var weighted = tcp.getWeightedClusters();
                if (weighted.getClustersCount() == 0) {
                    throw reject.at(path + ".weighted_clusters.clusters", "needs at least one cluster");
                }
                for (int i = 0; i < weighted.getClustersCount(); i++) {
                    var c = weighted.getClusters(i);
                    String at = path + ".weighted_clusters.clusters[" + i + "]";
                    if (c.getName().isEmpty()) {
                        throw reject.at(at + ".name", "empty cluster name");
                    }
                    if (c.getWeight() < 1) {
                        throw reject.at(at + ".weight", "must be at least 1, got " + c.getWeight());
                    }
                    if (c.hasMetadataMatch()) {
                        throw reject.at(at + ".metadata_match", "not supported");
                    }
                    clusters.add(new TcpProxyConfig.WeightedCluster(c.getName(), c.getWeight()));
                }
            }
            default -> throw reject.at(path, "needs cluster or weighted_clusters");
        }
        Duration idle = TcpProxyConfig.DEFAULT_IDLE_TIMEOUT;
        if (tcp.hasIdleTimeout()) {
            if (tcp.getIdleTimeout().getSeconds() < 0 || tcp.getIdleTimeout().getNanos() < 0) {
                throw reject.at(path + ".idle_timeout", "must not be negative");
            }
            idle = Duration.ofSeconds(tcp.getIdleTimeout().getSeconds(), tcp.getIdleTimeout().getNanos());
        }
        return new TcpProxyConfig(tcp.getStatPrefix(), clusters, idle);
    }
}
