package dev.weft.proxy.telemetry;

import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.ListenerTelemetry;
import dev.weft.dataplane.telemetry.DestinationService;
import dev.weft.dataplane.telemetry.PeerMetadataCodec;
import dev.weft.dataplane.telemetry.RequestMetrics;
import dev.weft.dataplane.telemetry.TcpMetrics;
import dev.weft.dataplane.telemetry.Workload;
import dev.weft.proxy.http.HttpFilter;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A proxy's telemetry: who this workload is (for labels and the metadata exchange), Istio's request metrics, the
 * access log and tracing. One per proxy; its listeners' filters report here from every event loop.
 */
public final class ProxyTelemetry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyTelemetry.class);
    private static final int MAX_ENDPOINT_WORKLOADS = 4096;
    /** How often open TCP connections report their bytes (Istio's stats filter: {@code tcp_reporting_duration}). */
    public static final Duration DEFAULT_TCP_REPORTING_INTERVAL = Duration.ofSeconds(5);

    private final Workload self;
    private final String nodeId;
    /** The peer-metadata header value and the node id as sent on every outbound request (trusted constants). */
    private final io.netty.util.AsciiString selfHeader;
    private final io.netty.util.AsciiString nodeIdHeader;
    private final DestinationService selfService;
    private final TelemetryOptions options;
    private final PeerMetadataCodec peers = new PeerMetadataCodec();
    private final RequestMetrics requests = new RequestMetrics();
    private final TcpMetrics tcp = new TcpMetrics();
    private final byte[] selfStruct;
    private volatile Duration tcpReportingInterval = DEFAULT_TCP_REPORTING_INTERVAL;
    private final Map<Map<String, String>, Workload> endpointWorkloads = new ConcurrentHashMap<>();
    private final LongAdder recordingErrors = new LongAdder();
    private final dev.weft.proxy.authz.NetworkAuthorizationStats networkAuthorization =
            new dev.weft.proxy.authz.NetworkAuthorizationStats();
    private final dev.weft.proxy.authz.ExtAuthzStats extAuthz = new dev.weft.proxy.authz.ExtAuthzStats();
    private final ResilienceStats resilience = new ResilienceStats();
    private final AccessLog accessLog;
    private AccessLog stdoutLog; // opened on first use (config thread), guarded by this
    private final Tracing tracing;
    private final TelemetryFilter inbound;
    private final TelemetryFilter outbound;

    /**
     * @param serviceHost this workload's service host, e.g. {@code reviews.default.svc.cluster.local}
     */
    public ProxyTelemetry(Workload self, String nodeId, String serviceHost, TelemetryOptions options)
            throws IOException {
        this.self = self;
        this.nodeId = nodeId;
        this.selfHeader = dev.weft.proxy.http.TrustedHeaderNames.value(PeerMetadataCodec.encode(self));
        this.nodeIdHeader = dev.weft.proxy.http.TrustedHeaderNames.value(nodeId);
        this.selfStruct = PeerMetadataCodec.struct(self);
        this.selfService = DestinationService.ofHost(serviceHost);
        this.options = options;
        this.accessLog = options.accessLog() == null ? null : AccessLog.open(options);
        this.tracing = new Tracing(self, nodeId, options);
        this.inbound = new TelemetryFilter(this, TrafficDirection.INBOUND);
        this.outbound = new TelemetryFilter(this, TrafficDirection.OUTBOUND);
    }

    /** Telemetry for tests and embedders that give no identity: metrics only, workload {@code unknown}. */
    public static ProxyTelemetry anonymous() {
        try {
            return new ProxyTelemetry(Workload.UNKNOWN_WORKLOAD, "unknown", "unknown",
                    TelemetryOptions.defaults("unknown"));
        } catch (IOException e) {
            throw new IllegalStateException(e); // no file is opened without an access log
        }
    }

    /**
     * The filter observing a listener's requests; the listener's name says its direction. A listener whose
     * Telemetry settings differ from the proxy's flags gets a filter of its own (built with the config view, so a
     * change reaches new requests when the view is swapped).
     */
    public HttpFilter filterFor(ListenerConfig listener) {
        TrafficDirection direction = TrafficDirection.ofListener(listener.name());
        ListenerTelemetry t = listener.http().telemetry();
        if (t.isDefault() && listener.disabledMetrics().isEmpty()) {
            return direction == TrafficDirection.INBOUND ? inbound : outbound;
        }
        AccessLog log = accessLog;
        TelemetryOptions.AccessLogFormat format = options.accessLogFormat();
        switch (t.accessLog()) {
            case OFF -> log = null;
            case TEXT, JSON -> {
                format = t.accessLog() == ListenerTelemetry.AccessLog.JSON ? TelemetryOptions.AccessLogFormat.JSON
                        : TelemetryOptions.AccessLogFormat.TEXT;
                log = accessLog != null ? accessLog : stdoutLog(format);
            }
            case DEFAULT -> { }
        }
        double sampling = t.samplingPercent() == null ? Double.NaN : t.samplingPercent() / 100.0;
        return new TelemetryFilter(this, direction, log, format, sampling, t.reportSpans(), listener.enabledMetrics());
    }

    /** The stdout log for listeners whose Telemetry turns logging on while the proxy has no --access-log. */
    private synchronized AccessLog stdoutLog(TelemetryOptions.AccessLogFormat format) {
        if (stdoutLog == null) {
            stdoutLog = AccessLog.stdout(format);
        }
        return stdoutLog;
    }

    /** Counters of rate limiting, fault injection and mirroring. */
    public ResilienceStats resilience() {
        return resilience;
    }

    public Workload self() {
        return self;
    }

    String nodeId() {
        return nodeId;
    }

    /** {@link #nodeId()} as a header value. */
    CharSequence nodeIdHeader() {
        return nodeIdHeader;
    }

    CharSequence selfHeader() {
        return selfHeader;
    }

    DestinationService selfService() {
        return selfService;
    }

    PeerMetadataCodec peers() {
        return peers;
    }

    public RequestMetrics requests() {
        return requests;
    }

    public TcpMetrics tcp() {
        return tcp;
    }

    /** This workload's metadata as the TCP metadata exchange sends it (a serialized {@code Struct}). */
    public byte[] selfStruct() {
        return selfStruct.clone();
    }

    /** Per-connection TCP telemetry for a connection accepted by the named listener. */
    public TcpConnectionTelemetry tcpConnection(String listenerName) {
        return tcpConnection(listenerName, dev.weft.dataplane.telemetry.StandardMetric.ALL);
    }

    /** As above, recording only {@code enabledMetrics} (the listener's Telemetry API metrics overrides). */
    public TcpConnectionTelemetry tcpConnection(String listenerName, int enabledMetrics) {
        return new TcpConnectionTelemetry(this, TrafficDirection.ofListener(listenerName), enabledMetrics);
    }

    public Duration tcpReportingInterval() {
        return tcpReportingInterval;
    }

    /** Changes how often open TCP connections report (new connections; tests use a short one). */
    public void tcpReportingInterval(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the TCP reporting interval must be positive, got " + interval);
        }
        this.tcpReportingInterval = interval;
    }

    AccessLog accessLog() {
        return accessLog;
    }

    Tracing tracing() {
        return tracing;
    }

    public TelemetryOptions options() {
        return options;
    }

    /**
     * The destination of an outbound request whose upstream sent no metadata (no sidecar in front of it): what
     * the endpoint's labels from EDS say.
     */
    Workload workloadOfEndpoint(UpstreamHost host, DestinationService service) {
        if (host == null) {
            return Workload.UNKNOWN_WORKLOAD;
        }
        Map<String, String> labels = host.endpoint().labels();
        if (labels.isEmpty()) {
            return Workload.UNKNOWN_WORKLOAD;
        }
        Workload w = endpointWorkloads.get(labels);
        if (w == null) {
            w = Workload.fromLabels(null, service.namespace(), null, labels);
            if (endpointWorkloads.size() < MAX_ENDPOINT_WORKLOADS) {
                endpointWorkloads.putIfAbsent(labels, w);
            }
        }
        return w;
    }

    void onRecordingError(RuntimeException e) {
        recordingErrors.increment();
        if (recordingErrors.sum() <= 3) {
            LOG.warn("telemetry recording failed (the request was not affected)", e);
        }
    }

    /** Connections allowed and denied by tcp_proxy listeners' network RBAC. */
    /** ext_authz checks per connection manager (AuthorizationPolicy CUSTOM). */
    public dev.weft.proxy.authz.ExtAuthzStats extAuthz() {
        return extAuthz;
    }

    public dev.weft.proxy.authz.NetworkAuthorizationStats networkAuthorization() {
        return networkAuthorization;
    }

    /** Istio's metrics plus this proxy's telemetry health, in Prometheus text format. */
    public void writePrometheus(StringBuilder out) {
        requests.writePrometheus(out);
        networkAuthorization.writePrometheus(out);
        extAuthz.writePrometheus(out);
        tcp.writePrometheus(out);
        tracing.writePrometheus(out);
        if (accessLog != null) {
            accessLog.writePrometheus(out);
        }
        AccessLog extra;
        synchronized (this) {
            extra = stdoutLog;
        }
        if (extra != null && accessLog == null) {
            extra.writePrometheus(out);
        }
        dev.weft.dataplane.telemetry.PrometheusText.type(out, "weft_telemetry_recording_errors_total", "counter",
                "Exchanges whose telemetry could not be recorded.");
        dev.weft.dataplane.telemetry.PrometheusText.sample(out, "weft_telemetry_recording_errors_total", "",
                recordingErrors.sum());
    }

    @Override
    public void close() {
        tracing.close();
        if (accessLog != null) {
            accessLog.close();
        }
        synchronized (this) {
            if (stdoutLog != null) {
                stdoutLog.close();
            }
        }
    }
}
