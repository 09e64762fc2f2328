package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import java.util.List;
import java.util.Map;
import dev.weft.dataplane.tls.UpstreamTls;

import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.EndpointSet;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.time.Duration;

/** Cluster (CDS) → {@link ClusterConfig}. */
public final class ClusterParser {
    /** Weft's default connect timeout (docs/xds-conventions.md). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_MIN_RING_SIZE = 1024;
    public static final long MAX_RING_SIZE = 8 * 1024 * 1024;
    public static final long DEFAULT_MAGLEV_TABLE_SIZE = 65537;

    static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    static final String HTTP_PROTOCOL_OPTIONS_TYPE = TypedAny.url(HTTP_PROTOCOL_OPTIONS);

    private ClusterParser() {}

    public static ClusterConfig parse(Cluster c) throws ResourceRejectedException {
        return parse(c, c.getTypedExtensionProtocolOptionsMap(),
                ClusterLoadAssignmentParser.weftMetadata(c.getLoadAssignment()));
    }

    /**
     * @param protocolOptions the cluster's {@code typed_extension_protocol_options}, read from the wire by the
     *                        decoder ({@link WireFields#split}: the generated map would build descriptors)
     * @param inlineMetadata  each inline endpoint's {@code filter_metadata["weft"]}, likewise
     */
    static ClusterConfig parse(Cluster c, Map<String, Any> protocolOptions, List<Map<String, Object>> inlineMetadata)
            throws ResourceRejectedException {
        String name = c.getName();
        Rejector reject = new Rejector("Cluster", name);
        if (name.isEmpty()) {
            throw reject.at("name", "missing cluster name");
        }
        if (c.getClusterDiscoveryTypeCase() == Cluster.ClusterDiscoveryTypeCase.CLUSTER_TYPE) {
            throw reject.at("cluster_type", "custom cluster types are not supported: "
                    + c.getClusterType().getName());
        }
        ClusterConfig.DiscoveryType type = switch (c.getType()) {
            case EDS -> ClusterConfig.DiscoveryType.EDS;
            case STATIC -> ClusterConfig.DiscoveryType.STATIC;
            case STRICT_DNS -> ClusterConfig.DiscoveryType.STRICT_DNS;
            case LOGICAL_DNS -> ClusterConfig.DiscoveryType.LOGICAL_DNS;
            default -> throw reject.at("type", "unsupported cluster type " + c.getType());
        };
        if (c.getTransportSocketMatchesCount() > 0) {
            throw reject.at("transport_socket_matches", "not supported; use transport_socket");
        }
        UpstreamTls tls = c.hasTransportSocket()
                ? TransportSocketParser.upstream(c.getTransportSocket(), reject, "transport_socket") : null;
        Any httpOptions = protocolOptions.get(HTTP_PROTOCOL_OPTIONS);
        boolean http2 = upstreamHttp2(c, httpOptions, reject);
        if (c.hasLoadBalancingPolicy()) {
            throw reject.at("load_balancing_policy", "not supported; use lb_policy");
        }
        ClusterConfig.LbPolicy lb = switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> ClusterConfig.LbPolicy.ROUND_ROBIN;
            case LEAST_REQUEST -> ClusterConfig.LbPolicy.LEAST_REQUEST;
            case RANDOM -> ClusterConfig.LbPolicy.RANDOM;
            case RING_HASH -> ClusterConfig.LbPolicy.RING_HASH;
            case MAGLEV -> ClusterConfig.LbPolicy.MAGLEV;
            default -> throw reject.at("lb_policy", "unsupported lb_policy " + c.getLbPolicy());
        };
        long ringSize = 0;
        long maxRingSize = 0;
        if (lb == ClusterConfig.LbPolicy.RING_HASH) {
            var cfg = c.getRingHashLbConfig();
            long min = cfg.hasMinimumRingSize() ? cfg.getMinimumRingSize().getValue() : DEFAULT_MIN_RING_SIZE;
            long max = cfg.hasMaximumRingSize() ? cfg.getMaximumRingSize().getValue() : MAX_RING_SIZE;
            if (min < 1 || max > MAX_RING_SIZE || min > max) {
                throw reject.at("ring_hash_lb_config", "need 1 <= minimum_ring_size (" + min
                        + ") <= maximum_ring_size (" + max + ") <= " + MAX_RING_SIZE);
            }
            ringSize = min;
            maxRingSize = max;
        } else if (lb == ClusterConfig.LbPolicy.MAGLEV) {
            var cfg = c.getMaglevLbConfig();
            ringSize = cfg.hasTableSize() ? cfg.getTableSize().getValue() : DEFAULT_MAGLEV_TABLE_SIZE;
            if (ringSize > 5_000_011 || !java.math.BigInteger.valueOf(ringSize).isProbablePrime(30)) {
                throw reject.at("maglev_lb_config.table_size", "must be a prime no larger than 5000011, got "
                        + ringSize);
            }
        }
        Duration connectTimeout = c.hasConnectTimeout()
                ? RouteConfigurationParser.duration(c.getConnectTimeout(), reject, "connect_timeout")
                : DEFAULT_CONNECT_TIMEOUT;
        if (connectTimeout.isZero()) {
            throw reject.at("connect_timeout", "must be positive");
        }
        String edsServiceName = null;
        EndpointSet inline = null;
        if (type == ClusterConfig.DiscoveryType.EDS) {
            var eds = c.getEdsClusterConfig();
            if (!eds.getEdsConfig().hasAds()) {
                throw reject.at("eds_cluster_config.eds_config", "only ads config sources are supported");
            }
            edsServiceName = eds.getServiceName().isEmpty() ? name : eds.getServiceName();
            if (c.hasLoadAssignment()) {
                throw reject.at("load_assignment", "an EDS cluster takes its endpoints from EDS");
            }
        } else {
            boolean dns = type != ClusterConfig.DiscoveryType.STATIC;
            inline = ClusterLoadAssignmentParser.parse(c.getLoadAssignment(), reject, "load_assignment", dns, name,
                    inlineMetadata);
            if (type == ClusterConfig.DiscoveryType.LOGICAL_DNS && inline.endpoints().size() != 1) {
                throw reject.at("load_assignment", "a LOGICAL_DNS cluster needs exactly one endpoint, got "
                        + inline.endpoints().size());
            }
        }
        var outlier = c.hasOutlierDetection()
                ? OutlierDetectionParser.parse(c.getOutlierDetection(), c.getCommonLbConfig(), reject) : null;
        var circuitBreakers = c.hasCircuitBreakers() ? CircuitBreakersParser.parse(c.getCircuitBreakers(), reject)
                : null;
        var pool = ConnectionPoolParser.parse(c, httpOptions, reject);
        var slowStart = ConnectionPoolParser.slowStart(c, lb, reject);
        return new ClusterConfig(name, type, edsServiceName, inline, lb, ringSize, connectTimeout, maxRingSize, http2,
                tls, outlier, circuitBreakers, pool, slowStart, useDownstreamProtocol(httpOptions, reject));
    }

    /**
     * Whether the upstreams speak HTTP/2: {@code typed_extension_protocol_options} HttpProtocolOptions with
     * {@code explicit_http_config.http2_protocol_options} (or the deprecated cluster-level
     * {@code http2_protocol_options}). Auto-selection by ALPN and HTTP/3 would change the protocol in ways Weft
     * does not implement, so they are NACKed rather than guessed.
     */
    private static boolean upstreamHttp2(Cluster c, Any options, Rejector reject) throws ResourceRejectedException {
        if (options == null) {
            return c.hasHttp2ProtocolOptions();
        }
        String path = "typed_extension_protocol_options[" + HTTP_PROTOCOL_OPTIONS + "]";
        HttpProtocolOptions http = TypedAny.unpack(options, HTTP_PROTOCOL_OPTIONS_TYPE, HttpProtocolOptions.parser(),
                reject, path);
        return switch (http.getUpstreamProtocolOptionsCase()) {
            case EXPLICIT_HTTP_CONFIG -> {
                var explicit = http.getExplicitHttpConfig();
                if (explicit.hasHttp3ProtocolOptions()) {
                    throw reject.at(path + ".explicit_http_config.http3_protocol_options",
                            "HTTP/3 upstreams are not supported");
                }
                yield explicit.hasHttp2ProtocolOptions();
            }
            case UPSTREAMPROTOCOLOPTIONS_NOT_SET, USE_DOWNSTREAM_PROTOCOL_CONFIG -> c.hasHttp2ProtocolOptions();
            default -> throw reject.at(path, "only explicit_http_config (HTTP/1.1 or HTTP/2) or "
                    + "use_downstream_protocol_config is supported, got " + http.getUpstreamProtocolOptionsCase());
        };
    }

    /**
     * {@code use_downstream_protocol_config}: requests go upstream in their own protocol (HTTP/1.1 or h2c). Its
     * {@code http_protocol_options}/{@code http2_protocol_options} carry settings Weft does not read; HTTP/3 is NACKed.
     */
    private static boolean useDownstreamProtocol(Any options, Rejector reject) throws ResourceRejectedException {
        if (options == null) {
            return false;
        }
        String path = "typed_extension_protocol_options[" + HTTP_PROTOCOL_OPTIONS + "]";
        HttpProtocolOptions http = TypedAny.unpack(options, HTTP_PROTOCOL_OPTIONS_TYPE, HttpProtocolOptions.parser(),
                reject, path);
        if (http.getUpstreamProtocolOptionsCase()
                != HttpProtocolOptions.UpstreamProtocolOptionsCase.USE_DOWNSTREAM_PROTOCOL_CONFIG) {
            return false;
        }
        if (http.getUseDownstreamProtocolConfig().hasHttp3ProtocolOptions()) {
            throw reject.at(path + ".use_downstream_protocol_config.http3_protocol_options",
                    "HTTP/3 upstreams are not supported");
        }
        return true;
    }
}
