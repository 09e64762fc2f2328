package dev.weft.proxy.http;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.mirror.MirrorPolicy;
import dev.weft.proxy.telemetry.ResilienceStats;
import dev.weft.proxy.upstream.UpstreamConnectionPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The mirror copies one exchange makes. The policies are drawn when the request is forwarded; a request without a
 * body is copied at once, one with a body keeps (shared, not copied) references to its parts as they stream to the
 * main upstream, up to {@link #MAX_BODY_BYTES} — the retry replay buffer's limit — and is copied once the last part
 * arrived. A larger body is not mirrored (counted as dropped); the main request never waits for any of this.
 * Lives on the exchange's event loop.
 */
final class MirrorCopies {
    /** Bodies up to this size are mirrored (the size retries replay). */
    static final int MAX_BODY_BYTES = RetryState.MAX_REPLAY_BYTES;

    private record Chosen(Cluster cluster, HttpRequest head, ResilienceStats.MirrorCounters counters) {}

    private final List<Chosen> chosen;
    private final List<ByteBuf> body = new ArrayList<>(2);
    private int bodyBytes;

    private MirrorCopies(List<Chosen> chosen) {
        this.chosen = chosen;
    }

    /**
     * Draws the route's mirror policies for {@code request} (its head as it goes upstream). Copies of a body-less
     * request are sent now and null is returned; null too when no copy is to be made. Otherwise the copies wait for
     * the body: feed it to {@link #keep}.
     */
    static MirrorCopies start(List<MirrorPolicy> policies, Function<String, Cluster> clusters, HttpRequest request,
                              ResilienceStats stats, UpstreamConnectionPool pool) {
        List<Chosen> chosen = null;
        boolean bodyless = MirroredRequest.bodyless(request);
        long declaredLength = HttpUtil.getContentLength(request, -1L);
        for (MirrorPolicy m : policies) {
            if (!m.draw()) {
                continue;
            }
            ResilienceStats.MirrorCounters counters = stats.mirror(m.cluster());
            Cluster cluster = clusters.apply(m.cluster());
            if (cluster == null) {
                counters.droppedNoUpstream.increment();
            } else if (declaredLength > MAX_BODY_BYTES) {
                counters.droppedBodyTooLarge.increment(); // known too large up front: keep nothing
            } else if (bodyless) {
                send(cluster, MirroredRequest.copyHead(m, request), Unpooled.EMPTY_BUFFER, pool, counters);
            } else {
                if (chosen == null) {
                    chosen = new ArrayList<>(policies.size());
                }
                chosen.add(new Chosen(cluster, MirroredRequest.copyHead(m, request), counters));
            }
        }
        return chosen == null ? null : new MirrorCopies(chosen);
    }

    /**
     * Keeps a reference to a body part; after the last one sends the copies. Returns false once this object is
     * finished with (sent, or dropped because the body is too large): the caller forgets it.
     */
    boolean keep(HttpContent content, boolean last, UpstreamConnectionPool pool) {
        ByteBuf bytes = content.content();
        if (bytes.isReadable()) {
            if (bodyBytes + bytes.readableBytes() > MAX_BODY_BYTES) {
                for (Chosen c : chosen) {
                    c.counters().droppedBodyTooLarge.increment();
                }
                release();
                return false;
            }
            bodyBytes += bytes.readableBytes();
            body.add(bytes.retainedDuplicate());
        }
        if (!last) {
            return true;
        }
        CompositeByteBuf whole = Unpooled.compositeBuffer(Math.max(2, body.size()));
        for (ByteBuf part : body) {
            whole.addComponent(true, part); // the composite owns the references now
        }
        body.clear();
        for (Chosen c : chosen) {
            send(c.cluster(), c.head(), whole.retainedDuplicate(), pool, c.counters());
        }
        whole.release();
        return false;
    }

    /** Drops what was kept (the exchange ended before the body was complete: nothing is mirrored). */
    void release() {
        for (ByteBuf b : body) {
            b.release();
        }
        body.clear();
    }

    private static void send(Cluster cluster, HttpRequest head, ByteBuf body, UpstreamConnectionPool pool,
                             ResilienceStats.MirrorCounters counters) {
        if (MirroredRequest.send(cluster, head, body, pool)) {
            counters.sent.increment();
        } else {
            counters.droppedNoUpstream.increment();
        }
    }
}
