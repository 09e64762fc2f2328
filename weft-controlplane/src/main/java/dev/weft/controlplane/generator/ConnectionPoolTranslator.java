package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weft.config.model.ConnectionPoolSettings;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.LoadBalancerSettings;
import dev.weft.config.model.TrafficPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig;
import java.time.Duration;

/**
 * The DestinationRule settings that shape upstream connections, as Istio maps them to Envoy (the limits themselves
 * are {@link CircuitBreakersTranslator}'s):
 * <ul>
 *   <li>{@code connectionPool.tcp.tcpKeepalive} → {@code upstream_connection_options.tcp_keepalive}
 *       ({@code keepalive_probes}, {@code keepalive_time} and {@code keepalive_interval} in seconds);</li>
 *   <li>{@code http.idleTimeout}, {@code http.maxRequestsPerConnection}, {@code tcp.maxConnectionDuration} →
 *       {@code common_http_protocol_options} ({@code idle_timeout}, {@code max_requests_per_connection},
 *       {@code max_connection_duration}) of the HttpProtocolOptions extension;</li>
 *   <li>{@code http.h2UpgradePolicy: UPGRADE} → {@code explicit_http_config.http2_protocol_options} (HTTP/1.1 ports
 *       go upstream as h2c);</li>
 *   <li>{@code loadBalancer.warmupDurationSecs} → {@code slow_start_config.slow_start_window} of
 *       {@code round_robin_lb_config} / {@code least_request_lb_config} (Envoy's defaults for aggression and
 *       minimum weight).</li>
 * </ul>
 * Nothing is emitted for settings the rule does not make, so clusters without them keep their shape.
 */
final class ConnectionPoolTranslator {
    private ConnectionPoolTranslator() {}

    static void apply(Cluster.Builder c, DestinationRule rule, int port, String subsetName) {
        ConnectionPoolSettings pool = CircuitBreakersTranslator.resolve(rule, port, subsetName);
        if (pool != null) {
            keepalive(c, pool.tcp());
            httpOptions(c, pool);
        }
        LoadBalancerSettings lb = EffectiveTrafficPolicy.setting(rule, port, subsetName, TrafficPolicy::loadBalancer,
                TrafficPolicy.PortTrafficPolicy::loadBalancer);
        slowStart(c, lb);
    }

    private static void keepalive(Cluster.Builder c, ConnectionPoolSettings.Tcp tcp) {
        if (tcp == null || tcp.tcpKeepalive() == null) {
            return;
        }
        ConnectionPoolSettings.TcpKeepalive k = tcp.tcpKeepalive();
        TcpKeepalive.Builder t = TcpKeepalive.newBuilder();
        if (k.probes() != null) {
            t.setKeepaliveProbes(UInt32Value.of(k.probes()));
        }
        if (k.time() != null) {
            t.setKeepaliveTime(UInt32Value.of(seconds(k.time())));
        }
        if (k.interval() != null) {
            t.setKeepaliveInterval(UInt32Value.of(seconds(k.interval())));
        }
        c.setUpstreamConnectionOptions(UpstreamConnectionOptions.newBuilder().setTcpKeepalive(t));
    }

    /** Whole seconds, at least 1 (the kernel counts keepalive in seconds). */
    private static int seconds(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toSeconds()));
    }

    private static void httpOptions(Cluster.Builder c, ConnectionPoolSettings pool) {
        HttpProtocolOptions.Builder common = HttpProtocolOptions.newBuilder();
        boolean any = false;
        ConnectionPoolSettings.Http http = pool.http();
        if (http != null && http.idleTimeout() != null) {
            common.setIdleTimeout(Durations.fromNanos(http.idleTimeout().toNanos()));
            any = true;
        }
        if (http != null && http.maxRequestsPerConnection() != null && http.maxRequestsPerConnection() > 0) {
            common.setMaxRequestsPerConnection(UInt32Value.of(http.maxRequestsPerConnection()));
            any = true;
        }
        if (pool.tcp() != null && pool.tcp().maxConnectionDuration() != null) {
            common.setMaxConnectionDuration(Durations.fromNanos(pool.tcp().maxConnectionDuration().toNanos()));
            any = true;
        }
        boolean upgrade = http != null && http.h2UpgradePolicy() == ConnectionPoolSettings.H2UpgradePolicy.UPGRADE;
        if (!any && !upgrade) {
            return;
        }
        String key = UpstreamProtocols.HTTP_PROTOCOL_OPTIONS;
        var options = existing(c.getTypedExtensionProtocolOptionsMap().get(key)).toBuilder();
        if (upgrade || !options.hasExplicitHttpConfig()) {
            options.setExplicitHttpConfig(upgrade || options.getExplicitHttpConfig().hasHttp2ProtocolOptions()
                    ? ExplicitHttpConfig.newBuilder().setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance())
                    : ExplicitHttpConfig.newBuilder().setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()));
        }
        if (any) {
            options.setCommonHttpProtocolOptions(common);
        }
        c.putTypedExtensionProtocolOptions(key, Any.pack(options.build()));
    }

    private static io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions existing(Any any) {
        if (any == null) {
            return io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDefaultInstance();
        }
        try {
            return any.unpack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("HttpProtocolOptions emitted by Weft itself do not parse", e);
        }
    }

    private static void slowStart(Cluster.Builder c, LoadBalancerSettings lb) {
        if (lb == null || lb.warmupDurationSecs() == null || lb.warmupDurationSecs().isZero()
                || lb.consistentHash() != null) {
            return;
        }
        Cluster.SlowStartConfig slowStart = Cluster.SlowStartConfig.newBuilder()
                .setSlowStartWindow(Durations.fromNanos(lb.warmupDurationSecs().toNanos()))
                .build();
        switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> c.setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder()
                    .setSlowStartConfig(slowStart));
            case LEAST_REQUEST -> c.setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder()
                    .setSlowStartConfig(slowStart));
            default -> { } // RANDOM has no slow start in Envoy
        }
    }
}
