package dev.weft.proxy.telemetry;

import dev.weft.dataplane.telemetry.DestinationService;
import dev.weft.dataplane.telemetry.PeerMetadataCodec;
import dev.weft.dataplane.telemetry.RequestLabels;
import dev.weft.dataplane.telemetry.StandardMetric;
import dev.weft.dataplane.telemetry.Workload;
import dev.weft.proxy.http.HttpExchange;
import dev.weft.proxy.http.HttpFilter;
import dev.weft.proxy.http.LocalReply;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;

/**
 * The one place a listener's requests are observed: the metadata exchange with the peer sidecar, trace context
 * propagation, and — once the exchange is over, however it ended — Istio's request metrics, the access log line and
 * the trace span. Runs first in the filter chain so it sees every request, including ones later filters reject.
 */
final class TelemetryFilter implements HttpFilter {
    private static final AsciiString PEER_METADATA = dev.weft.proxy.http.TrustedHeaderNames.of(PeerMetadataCodec.HEADER);
    private static final AsciiString PEER_METADATA_ID = dev.weft.proxy.http.TrustedHeaderNames.of(PeerMetadataCodec.ID_HEADER);

    private final ProxyTelemetry telemetry;
    private final TrafficDirection direction;
    private final String reporter;
    /** Where this listener's access log lines go (null: none) and in which format. */
    private final AccessLog accessLog;
    private final TelemetryOptions.AccessLogFormat accessLogFormat;
    /** Share of new traces sampled; NaN: the proxy's --tracing-sampling. */
    private final double samplingFraction;
    private final boolean reportSpans;
    /** The standard metrics recorded ({@link StandardMetric} bits): a Telemetry override may turn some off. */
    private final int enabledMetrics;

    /** With the proxy's own settings (its flags): no Telemetry resource applies to the listener. */
    TelemetryFilter(ProxyTelemetry telemetry, TrafficDirection direction) {
        this(telemetry, direction, telemetry.accessLog(), telemetry.options().accessLogFormat(), Double.NaN, true,
                StandardMetric.ALL);
    }

    TelemetryFilter(ProxyTelemetry telemetry, TrafficDirection direction, AccessLog accessLog,
                    TelemetryOptions.AccessLogFormat accessLogFormat, double samplingFraction, boolean reportSpans,
                    int enabledMetrics) {
        this.enabledMetrics = enabledMetrics;
        this.telemetry = telemetry;
        this.direction = direction;
        this.reporter = direction == TrafficDirection.INBOUND ? RequestLabels.DESTINATION : RequestLabels.SOURCE;
        this.accessLog = accessLog;
        this.accessLogFormat = accessLogFormat;
        this.samplingFraction = samplingFraction;
        this.reportSpans = reportSpans;
    }

    /** Per-request state, kept on the exchange's record between the request and completion. */
    static final class RequestState {
        Workload peer = Workload.UNKNOWN_WORKLOAD;
        boolean peerSentMetadata;
        String method;
        String path;
        String authority;
        String protocol;
        boolean grpc;
        Tracing.Span span;
    }

    @Override
    public LocalReply onRequest(HttpExchange exchange) {
        RequestState state = new RequestState();
        exchange.record().telemetryState = state;
        HttpHeaders headers = exchange.requestHeaders();
        state.method = exchange.method();
        state.path = exchange.path();
        state.authority = exchange.authority();
        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        state.grpc = contentType != null && contentType.startsWith("application/grpc");
        state.protocol = exchange.protocolVersion();
        String peerHeader = headers.get(PEER_METADATA);
        headers.remove(PEER_METADATA);
        headers.remove(PEER_METADATA_ID);
        if (direction == TrafficDirection.INBOUND) {
            state.peerSentMetadata = peerHeader != null;
            state.peer = telemetry.peers().decode(peerHeader);
        } else {
            // the app's own call: announce this workload to the destination's sidecar
            headers.set(PEER_METADATA, telemetry.selfHeader());
            headers.set(PEER_METADATA_ID, telemetry.nodeIdHeader());
        }
        state.span = Double.isNaN(samplingFraction) ? telemetry.tracing().onRequest(headers, direction)
                : telemetry.tracing().onRequest(headers, direction, samplingFraction);
        return null;
    }

    @Override
    public void onResponse(HttpExchange exchange, HttpResponse response) {
        HttpHeaders headers = response.headers();
        RequestState state = state(exchange);
        String grpcStatus = headers.get("grpc-status");
        if (grpcStatus != null) {
            exchange.record().grpcStatus = grpcStatus; // a trailers-only gRPC response
        }
        if (direction == TrafficDirection.OUTBOUND) {
            String peerHeader = headers.get(PEER_METADATA);
            if (peerHeader != null) {
                headers.remove(PEER_METADATA);
                headers.remove(PEER_METADATA_ID);
                state.peer = telemetry.peers().decode(peerHeader);
                state.peerSentMetadata = true;
            }
        } else {
            headers.remove(PEER_METADATA); // only this sidecar speaks for its workload
            headers.remove(PEER_METADATA_ID);
            if (state.peerSentMetadata) {
                // answer a mesh peer with who we are; non-mesh clients learn nothing
                headers.set(PEER_METADATA, telemetry.selfHeader());
                headers.set(PEER_METADATA_ID, telemetry.nodeIdHeader());
            }
        }
    }

    private static RequestState state(HttpExchange exchange) {
        if (exchange.record().telemetryState instanceof RequestState s) {
            return s;
        }
        RequestState s = new RequestState(); // the request never reached this filter (rejected before routing)
        s.method = exchange.method();
        s.path = exchange.path();
        s.authority = exchange.authority();
        s.protocol = exchange.protocolVersion();
        exchange.record().telemetryState = s;
        return s;
    }

    @Override
    public void onComplete(HttpExchange exchange) {
        try {
            RequestState state = state(exchange);
            ExchangeRecord record = exchange.record();
            long durationNanos = System.nanoTime() - record.startNanos;
            telemetry.requests().record(labels(exchange, state), durationNanos / 1_000_000.0, record.requestBytes,
                    record.responseBytes, enabledMetrics);
            if (accessLog != null) {
                accessLog.log(exchange, state, durationNanos, accessLogFormat);
            }
            if (state.span != null && reportSpans) {
                telemetry.tracing().onComplete(state.span, exchange, state, durationNanos, direction);
            }
        } catch (RuntimeException e) {
            telemetry.onRecordingError(e); // telemetry must never break the request path
        }
    }

    private RequestLabels labels(HttpExchange exchange, RequestState state) {
        ExchangeRecord record = exchange.record();
        String flags = record.responseFlag == null ? "-" : record.responseFlag.name();
        String grpcStatus = state.grpc ? (record.grpcStatus == null ? "2" : record.grpcStatus) : "-";
        String protocol = state.grpc ? "grpc" : "http";
        if (direction == TrafficDirection.INBOUND) {
            PeerTls tls = PeerTls.of(exchange.downstreamChannel());
            DestinationService self = telemetry.selfService();
            return new RequestLabels(reporter, state.peer, tls.peerPrincipal(), telemetry.self(), tls.localPrincipal(),
                    self.host(), self.name(), self.namespace(), protocol, record.responseCode, grpcStatus, flags,
                    tls.mutual() ? "mutual_tls" : "none");
        }
        DestinationService service = record.upstreamCluster == null ? DestinationService.UNKNOWN
                : DestinationService.ofCluster(record.upstreamCluster);
        Workload destination = state.peerSentMetadata ? state.peer
                : telemetry.workloadOfEndpoint(record.upstreamHost, service);
        String destinationPrincipal = record.upstreamChannel == null ? Workload.UNKNOWN
                : PeerTls.of(record.upstreamChannel).peerPrincipal(); // the upstream's SPIFFE ID under mesh mTLS
        return new RequestLabels(reporter, telemetry.self(), Workload.UNKNOWN, destination, destinationPrincipal,
                service.host(), service.name(), service.namespace(), protocol, record.responseCode, grpcStatus, flags,
                Workload.UNKNOWN);
    }
}
