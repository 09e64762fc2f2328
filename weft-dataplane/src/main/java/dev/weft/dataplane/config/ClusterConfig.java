package dev.weft.dataplane.config;

import dev.weft.dataplane.tls.UpstreamTls;
import java.time.Duration;

/**
 * An upstream cluster.
 *
 * @param edsServiceName name to look endpoints up by when {@code type} is EDS
 * @param loadAssignment inline endpoints for STATIC and DNS clusters, null for EDS
 * @param ringSize minimum ring size for RING_HASH, table size for MAGLEV (0: default)
 * @param maxRingSize maximum ring size for RING_HASH (0: default, 8M)
 * @param http2 the cluster's upstreams speak HTTP/2 (h2c, or h2 once TLS exists) — from
 *     {@code typed_extension_protocol_options} HttpProtocolOptions {@code explicit_http_config.http2_protocol_options};
 *     endpoints fronted by a Weft sidecar are reached over HTTP/2 either way
 * @param tls mesh mTLS to the endpoints (from {@code transport_socket}), null for plaintext
 * @param outlierDetection consecutive-error ejection (from {@code outlier_detection}), null for none
 * @param circuitBreakers request/connection limits and the retry budget (from {@code circuit_breakers})
 * @param connectionPool idle timeout, requests per connection, connection age and TCP keepalive of upstream
 *     connections
 * @param slowStart ramp-up of new hosts' weights (ROUND_ROBIN and LEAST_REQUEST), null for none
 * @param useDownstreamProtocol {@code use_downstream_protocol_config} (Istio's clusters of ports whose protocol is
 *     detected): a request goes upstream in the protocol it came in, HTTP/2 (h2c) for an HTTP/2 client
 */
public record ClusterConfig(String name, DiscoveryType type, String edsServiceName, EndpointSet loadAssignment,
                            LbPolicy lbPolicy, long ringSize, Duration connectTimeout, long maxRingSize,
                            boolean http2, UpstreamTls tls,
                            dev.weft.dataplane.outlier.OutlierDetectionConfig outlierDetection,
                            dev.weft.dataplane.circuit.CircuitBreakers circuitBreakers,
                            dev.weft.dataplane.pool.ConnectionPoolConfig connectionPool,
                            dev.weft.dataplane.cluster.SlowStart slowStart, boolean useDownstreamProtocol) {

    /** Without {@code use_downstream_protocol_config}: the upstream protocol is {@code http2}'s. */
    public ClusterConfig(String name, DiscoveryType type, String edsServiceName, EndpointSet loadAssignment,
                         LbPolicy lbPolicy, long ringSize, Duration connectTimeout, long maxRingSize,
                         boolean http2, UpstreamTls tls,
                         dev.weft.dataplane.outlier.OutlierDetectionConfig outlierDetection,
                         dev.weft.dataplane.circuit.CircuitBreakers circuitBreakers,
                         dev.weft.dataplane.pool.ConnectionPoolConfig connectionPool,
                         dev.weft.dataplane.cluster.SlowStart slowStart) {
        this(name, type, edsServiceName, loadAssignment, lbPolicy, ringSize, connectTimeout, maxRingSize, http2, tls,
                outlierDetection, circuitBreakers, connectionPool, slowStart, false);
    }

    public ClusterConfig {
        if (circuitBreakers == null) {
            circuitBreakers = dev.weft.dataplane.circuit.CircuitBreakers.NONE;
        }
        if (connectionPool == null) {
            connectionPool = dev.weft.dataplane.pool.ConnectionPoolConfig.DEFAULT;
        }
    }

    /** With the default connection pool and no slow start. */
    public ClusterConfig(String name, DiscoveryType type, String edsServiceName, EndpointSet loadAssignment,
                         LbPolicy lbPolicy, long ringSize, Duration connectTimeout, long maxRingSize,
                         boolean http2, UpstreamTls tls,
                         dev.weft.dataplane.outlier.OutlierDetectionConfig outlierDetection,
                         dev.weft.dataplane.circuit.CircuitBreakers circuitBreakers) {
        this(name, type, edsServiceName, loadAssignment, lbPolicy, ringSize, connectTimeout, maxRingSize, http2, tls,
                outlierDetection, circuitBreakers, null, null);
    }

    /** Without circuit breakers (Weft's default retry budget only). */
    public ClusterConfig(String name, DiscoveryType type, String edsServiceName, EndpointSet loadAssignment,
                         LbPolicy lbPolicy, long ringSize, Duration connectTimeout, long maxRingSize,
                         boolean http2, UpstreamTls tls,
                         dev.weft.dataplane.outlier.OutlierDetectionConfig outlierDetection) {
        this(name, type, edsServiceName, loadAssignment, lbPolicy, ringSize, connectTimeout, maxRingSize, http2, tls,
                outlierDetection, null);
    }

    /** Without outlier detection. */
    public ClusterConfig(String name, DiscoveryType type, String edsServiceName, EndpointSet loadAssignment,
                         LbPolicy lbPolicy, long ringSize, Duration connectTimeout, long maxRingSize,
                         boolean http2, UpstreamTls tls) {
        this(name, type, edsServiceName, loadAssignment, lbPolicy, ringSize, connectTimeout, maxRingSize, http2, tls,
                null);
    }

    /** A plaintext cluster ({@code tls} null: no transport socket). */
    public ClusterConfig(String name, DiscoveryType type, String edsServiceName, EndpointSet loadAssignment,
                         LbPolicy lbPolicy, long ringSize, Duration connectTimeout, long maxRingSize,
                         boolean http2) {
        this(name, type, edsServiceName, loadAssignment, lbPolicy, ringSize, connectTimeout, maxRingSize, http2, null);
    }

    /** An HTTP/1.1 cluster. */
    public ClusterConfig(String name, DiscoveryType type, String edsServiceName, EndpointSet loadAssignment,
                         LbPolicy lbPolicy, long ringSize, Duration connectTimeout, long maxRingSize) {
        this(name, type, edsServiceName, loadAssignment, lbPolicy, ringSize, connectTimeout, maxRingSize, false);
    }

    public enum DiscoveryType { EDS, STATIC, STRICT_DNS, LOGICAL_DNS }

    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV }

    /** With the default maximum ring size. */
    public ClusterConfig(String name, DiscoveryType type, String edsServiceName, EndpointSet loadAssignment,
                         LbPolicy lbPolicy, long ringSize, Duration connectTimeout) {
        this(name, type, edsServiceName, loadAssignment, lbPolicy, ringSize, connectTimeout, 0);
    }
}
