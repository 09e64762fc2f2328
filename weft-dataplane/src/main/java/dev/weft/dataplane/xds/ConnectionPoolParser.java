package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import dev.weft.dataplane.cluster.SlowStart;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.pool.ConnectionPoolConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import java.time.Duration;

/**
 * The cluster fields that shape upstream connections — {@code upstream_connection_options.tcp_keepalive} and
 * HttpProtocolOptions {@code common_http_protocol_options} (idle timeout, requests per connection, connection age) —
 * and the load balancers' {@code slow_start_config}.
 */
final class ConnectionPoolParser {
    private ConnectionPoolParser() {}

    /** @param typed the cluster's {@code typed_extension_protocol_options} HttpProtocolOptions, or null */
    static ConnectionPoolConfig parse(Cluster c, Any typed, Rejector reject) throws ResourceRejectedException {
        HttpProtocolOptions common = null;
        String path = null;
        if (typed != null) {
            String typedPath = "typed_extension_protocol_options[" + ClusterParser.HTTP_PROTOCOL_OPTIONS + "]";
            var options = TypedAny.unpack(typed, ClusterParser.HTTP_PROTOCOL_OPTIONS_TYPE,
                    io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.parser(), reject, typedPath);
            if (options.hasCommonHttpProtocolOptions()) {
                common = options.getCommonHttpProtocolOptions();
                path = typedPath + ".common_http_protocol_options";
            }
        }
        if (common == null && c.hasCommonHttpProtocolOptions()) { // the deprecated cluster-level field
            common = c.getCommonHttpProtocolOptions();
            path = "common_http_protocol_options";
        }
        Duration idle = ConnectionPoolConfig.DEFAULT_IDLE_TIMEOUT;
        int maxRequests = c.hasMaxRequestsPerConnection() ? unsigned(c.getMaxRequestsPerConnection().getValue()) : 0;
        Duration maxAge = null;
        if (common != null) {
            if (common.hasMaxStreamDuration()) {
                throw reject.at(path + ".max_stream_duration", "not supported; use the route timeout");
            }
            if (common.hasMaxHeadersCount()) {
                throw reject.at(path + ".max_headers_count", "not supported");
            }
            if (common.hasIdleTimeout()) {
                idle = RouteConfigurationParser.duration(common.getIdleTimeout(), reject, path + ".idle_timeout");
            }
            if (common.hasMaxRequestsPerConnection()) {
                maxRequests = unsigned(common.getMaxRequestsPerConnection().getValue());
            }
            if (common.hasMaxConnectionDuration()) {
                maxAge = RouteConfigurationParser.duration(common.getMaxConnectionDuration(), reject,
                        path + ".max_connection_duration");
                if (maxAge.isZero()) {
                    maxAge = null; // Envoy: 0 means no limit
                }
            }
        }
        ConnectionPoolConfig.TcpKeepalive keepalive = null;
        if (c.hasUpstreamConnectionOptions() && c.getUpstreamConnectionOptions().hasTcpKeepalive()) {
            var k = c.getUpstreamConnectionOptions().getTcpKeepalive();
            keepalive = new ConnectionPoolConfig.TcpKeepalive(
                    k.hasKeepaliveProbes() ? unsigned(k.getKeepaliveProbes().getValue()) : 0,
                    k.hasKeepaliveTime() ? unsigned(k.getKeepaliveTime().getValue()) : 0,
                    k.hasKeepaliveInterval() ? unsigned(k.getKeepaliveInterval().getValue()) : 0);
        }
        ConnectionPoolConfig config = new ConnectionPoolConfig(idle, maxRequests, maxAge, keepalive);
        return config.equals(ConnectionPoolConfig.DEFAULT) ? ConnectionPoolConfig.DEFAULT : config;
    }

    /** {@code slow_start_config} of the balancer the cluster uses (the other balancer's config does not apply). */
    static SlowStart slowStart(Cluster c, ClusterConfig.LbPolicy lb, Rejector reject)
            throws ResourceRejectedException {
        Cluster.SlowStartConfig s;
        String path;
        if (lb == ClusterConfig.LbPolicy.ROUND_ROBIN && c.getRoundRobinLbConfig().hasSlowStartConfig()) {
            s = c.getRoundRobinLbConfig().getSlowStartConfig();
            path = "round_robin_lb_config.slow_start_config";
        } else if (lb == ClusterConfig.LbPolicy.LEAST_REQUEST && c.getLeastRequestLbConfig().hasSlowStartConfig()) {
            s = c.getLeastRequestLbConfig().getSlowStartConfig();
            path = "least_request_lb_config.slow_start_config";
        } else {
            return null;
        }
        if (!s.hasSlowStartWindow()) {
            return null; // Envoy: no window, no slow start
        }
        Duration window = RouteConfigurationParser.duration(s.getSlowStartWindow(), reject, path + ".slow_start_window");
        if (window.isZero()) {
            return null;
        }
        double aggression = s.hasAggression() ? s.getAggression().getDefaultValue() : SlowStart.DEFAULT_AGGRESSION;
        if (!(aggression > 0) || Double.isInfinite(aggression)) {
            throw reject.at(path + ".aggression.default_value", "must be greater than 0, got " + aggression);
        }
        double minPercent = s.hasMinWeightPercent() ? s.getMinWeightPercent().getValue()
                : SlowStart.DEFAULT_MIN_WEIGHT_PERCENT;
        if (!(minPercent >= 0 && minPercent <= 100)) {
            throw reject.at(path + ".min_weight_percent", "must be 0..100, got " + minPercent);
        }
        return new SlowStart(window, aggression, minPercent);
    }

    /** uint32 fields above int range mean "as much as there is". */
    private static int unsigned(int value) {
        return value < 0 ? Integer.MAX_VALUE : value;
    }
}
