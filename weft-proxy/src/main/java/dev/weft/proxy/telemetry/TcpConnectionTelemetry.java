package dev.weft.proxy.telemetry;

import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.telemetry.DestinationService;
import dev.weft.dataplane.telemetry.RequestLabels;
import dev.weft.dataplane.telemetry.Workload;
import io.netty.channel.Channel;

/**
 * Istio's TCP metrics for one proxied connection: collects who is at the other end (the TCP metadata exchange, the
 * mTLS certificates, the cluster and endpoint) and reports byte deltas while the connection is open and at close.
 * Confined to the connection's event loop (both of its channels share it), so plain fields.
 *
 * <p>The label set is fixed at the first report (and then reused), which waits until the metadata exchange is over
 * when one is under way — so {@code opened}, the bytes and {@code closed} of one connection land in one series.
 */
public final class TcpConnectionTelemetry {
    private final ProxyTelemetry telemetry;
    private final TrafficDirection direction;
    private Channel downstream;
    private Channel upstream;
    private String cluster;
    private UpstreamHost host;
    private Workload peer = Workload.UNKNOWN_WORKLOAD;
    private boolean peerPending;
    private String flags = "-";
    private RequestLabels labels;
    private long reportedReceived;
    private long reportedSent;
    private boolean closed;
    private final int enabledMetrics;

    TcpConnectionTelemetry(ProxyTelemetry telemetry, TrafficDirection direction, int enabledMetrics) {
        this.telemetry = telemetry;
        this.direction = direction;
        this.enabledMetrics = enabledMetrics;
    }

    public TrafficDirection direction() {
        return direction;
    }

    public void downstream(Channel channel) {
        this.downstream = channel;
    }

    /** The cluster and endpoint the connection was sent to, and the upstream channel (its TLS session). */
    public void upstream(String clusterName, UpstreamHost upstreamHost, Channel channel) {
        this.cluster = clusterName;
        this.host = upstreamHost;
        this.upstream = channel;
    }

    /** A metadata exchange with the peer sidecar is under way: reports wait for {@link #peer}. */
    public void awaitPeer() {
        peerPending = true;
    }

    /** What the peer sidecar announced, or {@link Workload#UNKNOWN_WORKLOAD} when it did not take part. */
    public void peer(Workload workload) {
        this.peer = workload == null ? Workload.UNKNOWN_WORKLOAD : workload;
        this.peerPending = false;
    }

    /** Envoy's response flag for a connection that could not be proxied: {@code UH}, {@code UF}. */
    public void flag(String flag) {
        this.flags = flag;
    }

    /**
     * Reports the bytes since the previous report; {@code receivedTotal}/{@code sentTotal} are the connection's
     * totals so far (from / to the downstream side). A periodic report is skipped while the peer exchange is under
     * way; the closing report always goes out, once.
     */
    public void report(long receivedTotal, long sentTotal, boolean closing) {
        if (closed || (!closing && peerPending)) {
            return;
        }
        try {
            boolean opening = labels == null;
            if (opening) {
                labels = labels();
            }
            telemetry.tcp().record(labels, receivedTotal - reportedReceived, sentTotal - reportedSent, opening,
                    closing, enabledMetrics);
            reportedReceived = receivedTotal;
            reportedSent = sentTotal;
            closed = closing;
        } catch (RuntimeException e) {
            telemetry.onRecordingError(e); // telemetry must never break the connection
        }
    }

    private RequestLabels labels() {
        String reporter = direction == TrafficDirection.INBOUND ? RequestLabels.DESTINATION : RequestLabels.SOURCE;
        if (direction == TrafficDirection.INBOUND) {
            PeerTls tls = downstream == null ? PeerTls.PLAINTEXT : PeerTls.of(downstream);
            DestinationService self = telemetry.selfService();
            return new RequestLabels(reporter, peer, tls.peerPrincipal(), telemetry.self(), tls.localPrincipal(),
                    self.host(), self.name(), self.namespace(), "tcp", 0, "-", flags,
                    tls.mutual() ? "mutual_tls" : "none");
        }
        DestinationService service = cluster == null ? DestinationService.UNKNOWN
                : DestinationService.ofCluster(cluster);
        Workload destination = peer != Workload.UNKNOWN_WORKLOAD ? peer : telemetry.workloadOfEndpoint(host, service);
        String destinationPrincipal = upstream == null ? Workload.UNKNOWN : PeerTls.of(upstream).peerPrincipal();
        return new RequestLabels(reporter, telemetry.self(), Workload.UNKNOWN, destination, destinationPrincipal,
                service.host(), service.name(), service.namespace(), "tcp", 0, "-", flags, Workload.UNKNOWN);
    }
}
