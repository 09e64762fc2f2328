package dev.weft.proxy.upstream;

import dev.weft.dataplane.pool.ClusterConnections;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One keep-alive HTTP/1.1 connection to an endpoint, handed to one request attempt at a time — or one stream of a
 * multiplexed HTTP/2 connection ({@link #forStream}), which carries exactly one request. Reading is manual
 * (auto-read off): the attempt asks for the next socket read when the downstream can take more (the parts decoded
 * from one read all reach it before its read-complete); on an HTTP/2 stream that also holds back the stream's
 * WINDOW_UPDATEs, so flow control reaches the upstream sender.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter implements ClusterConnections.Reclaimable {
    private static final int BUSY = 0;
    private static final int IDLE = 1;
    private static final int RECLAIMED = 2;
    private static final AtomicIntegerFieldUpdater<UpstreamConnection> STATE =
            AtomicIntegerFieldUpdater.newUpdater(UpstreamConnection.class, "state");

    private final EndpointPool pool;
    /** A connection of its own for one request (an upgrade): never pooled, closed unless the request takes it over. */
    private final boolean dedicated;
    private Channel channel;
    private UpstreamListener listener;
    private int requests;
    /** BUSY while an attempt uses it; IDLE in the pool, where another loop may RECLAIM (close) it for its slot. */
    private volatile int state = BUSY;
    /** Older than the cluster's max_connection_duration: closes instead of going back to the pool. */
    private boolean expired;
    /**
     * The HTTP/2 stream was refused: by a GOAWAY (its id above the last one the server will process) or by
     * RST_STREAM(REFUSED_STREAM).
     */
    private boolean refusedByGoAway;

    UpstreamConnection(EndpointPool pool) {
        this(pool, false);
    }

    private UpstreamConnection(EndpointPool pool, boolean dedicated) {
        this.pool = pool;
        this.dedicated = dedicated;
    }

    /**
     * An HTTP/1.1 connection for one upgrade request (see {@link UpstreamConnectionPool#acquireDedicated}); it holds a
     * slot of {@code pool}'s cluster until it closes but never goes back to the pool.
     */
    static UpstreamConnection dedicated(EndpointPool pool) {
        return new UpstreamConnection(pool, true);
    }

    /** A request's HTTP/2 stream (see {@link #attachStream}). */
    static UpstreamConnection forStream() {
        return new UpstreamConnection(null);
    }

    public Channel channel() {
        return channel;
    }

    /** How many requests this connection has carried, the current one included (keep-alive reuse shows here). */
    public int requestCount() {
        return requests;
    }

    /**
     * An HTTP/2 stream that the server never processed: refused by a GOAWAY, or never sent because the connection
     * went away first. Such a request may go again on another connection whatever its method.
     */
    public boolean neverProcessed() {
        if (!(channel instanceof Http2StreamChannel stream)) {
            return false;
        }
        if (refusedByGoAway) {
            return true;
        }
        int id = stream.stream().id();
        if (id <= 0) {
            return true; // the headers never left
        }
        Integer last = stream.parent().attr(dev.weft.proxy.h2.H2UpstreamConnection.GOAWAY_LAST_STREAM_ID).get();
        return last != null && id > last;
    }

    void attach(UpstreamListener newListener) {
        this.listener = newListener;
        requests++;
    }

    /**
     * Hands an HTTP/2 stream to its attempt; {@code streamsBefore} streams were opened on its connection before it,
     * so a stream on a reused connection reports {@link #requestCount()} &gt; 1 like a reused HTTP/1.1 connection.
     */
    void attachStream(UpstreamListener newListener, int streamsBefore) {
        requests = streamsBefore;
        attach(newListener);
    }

    public void read() {
        channel.read();
    }

    /**
     * Ends the current attempt's use of the connection: back to the idle pool when {@code reusable}, closed
     * otherwise.
     */
    public void release(boolean reusable) {
        listener = null;
        if (dedicated) {
            channel.close();
            return;
        }
        if (pool == null) {
            if (!reusable) {
                channel.close(); // an unfinished HTTP/2 stream is reset; a finished one has closed itself
            }
            return;
        }
        if (reusable && channel.isActive()) {
            pool.offer(this);
        } else {
            channel.close();
        }
    }

    /**
     * After a {@code 101 Switching Protocols}: {@code relay} takes this handler's place and the HTTP codec goes (it
     * hands the bytes read past the 101 on to the relay as it is removed); an idle
     * timer goes too (a dedicated connection has none), the downstream connection's idle timeout covers both.
     */
    public void replaceWithRelay(io.netty.channel.ChannelHandler relay) {
        var p = channel.pipeline();
        listener = null;
        p.replace(this, "upgraded-relay", relay);
        p.remove(io.netty.handler.codec.http.HttpClientCodec.class);
        if (p.get(dev.weft.proxy.net.IdleTimer.class) != null) {
            p.remove(dev.weft.proxy.net.IdleTimer.class);
        }
    }

    // ---- pool bookkeeping (on the connection's loop unless stated)

    void markIdle() {
        state = IDLE;
        channel.read(); // keep a read pending while idle so a close by the server is noticed at once
    }

    /** Takes the connection out of the idle pool for a request; false when another loop reclaimed it. */
    boolean takeFromIdle() {
        return STATE.compareAndSet(this, IDLE, BUSY);
    }

    /** Any thread: closes the idle connection so its slot serves a request waiting elsewhere. */
    @Override
    public boolean reclaim() {
        if (!STATE.compareAndSet(this, IDLE, RECLAIMED)) {
            return false;
        }
        channel.close();
        return true;
    }

    boolean idle() {
        return state == IDLE;
    }

    void expire() {
        expired = true;
        if (state == IDLE && STATE.compareAndSet(this, IDLE, RECLAIMED)) {
            pool.state().closedMaxDuration();
            channel.close();
        }
    }

    boolean expired() {
        return expired;
    }

    // ---- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l != null && msg instanceof HttpObject http) {
            l.onResponse(http);
        } else {
            // bytes from an idle connection: the server broke the protocol, do not reuse it
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null && ctx.channel().isWritable()) {
            l.onUpstreamWritable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pool != null) {
            pool.remove(this);
        }
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamClosed(null);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2GoAwayFrame goAway) {
            refusedByGoAway = true; // sent to streams above the GOAWAY's last stream id only
            goAway.release();
        } else if (evt instanceof io.netty.handler.codec.http2.Http2ResetFrame reset
                && reset.errorCode() == io.netty.handler.codec.http2.Http2Error.REFUSED_STREAM.code()) {
            refusedByGoAway = true; // RFC 9113 §8.7: refused before any processing (e.g. above the stream limit)
        } else if (evt instanceof IdleStateEvent && listener == null) {
            if (pool != null && STATE.compareAndSet(this, IDLE, RECLAIMED)) {
                pool.state().closedIdle();
            }
            ctx.close(); // idle too long in the pool
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamListener l = listener;
        listener = null;
        ctx.close();
        if (l != null) {
            l.onUpstreamClosed(cause);
        }
    }
}
