package dev.weft.proxy.telemetry;

import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.proxy.http.ResponseFlag;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The facts telemetry reports about one exchange, filled in by the request path as they become known (plain
 * fields: an exchange lives on one event loop). One small object per exchange; the telemetry filter keeps its own
 * per-request state in {@link #telemetryState}.
 */
public final class ExchangeRecord {
    public final long startNanos = System.nanoTime();
    public final long startEpochMillis = System.currentTimeMillis();
    /** Request body bytes read from downstream. */
    public long requestBytes;
    /** Response body bytes sent downstream. */
    public long responseBytes;
    /** The status sent downstream; 0 until a response head went out. */
    public int responseCode;
    /** Why the proxy answered itself or the exchange broke off, or null. */
    public ResponseFlag responseFlag;
    /** The cluster the route picked, or null when the request was not forwarded. */
    public String upstreamCluster;
    /** The host of the last upstream attempt, or null. */
    public UpstreamHost upstreamHost;
    /** The connection (or HTTP/2 stream) of the last upstream attempt, for its TLS peer's identity; or null. */
    public io.netty.channel.Channel upstreamChannel;
    /** {@code grpc-status} from the response trailers (or a trailers-only response head), or null. */
    public String grpcStatus;
    /** What the telemetry filter remembers between request and completion. */
    public Object telemetryState;
    /** What the local rate limit filter remembers between request and response (the limiter that judged it). */
    public Object rateLimitState;
    /** The tokens left after this request took one, for {@code x-ratelimit-remaining}. */
    public long rateLimitRemaining;

    public void onTrailers(HttpHeaders trailers) {
        if (!trailers.isEmpty()) {
            String status = trailers.get("grpc-status");
            if (status != null) {
                grpcStatus = status;
            }
        }
    }
}
