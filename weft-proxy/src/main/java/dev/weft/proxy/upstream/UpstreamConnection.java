package dev.weft.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One keep-alive HTTP/1.1 connection to an endpoint, handed to one request attempt at a time — or one stream of a
 * multiplexed HTTP/2 connection ({@link #forStream}), which carries exactly one request. Reading is manual
 * (auto-read off): the attempt asks for the next response part when the downstream can take it; on an HTTP/2 stream
 * that also holds back the stream's WINDOW_UPDATEs, so flow control reaches the upstream sender.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {
    private final EndpointPool pool;
    /** A connection of its own for one request (an upgrade): never pooled, closed unless the request takes it over. */
    private final boolean dedicated;
    private Channel channel;
    private UpstreamListener listener;
    private int requests;

    UpstreamConnection(EndpointPool pool) {
        this(pool, false);
    }

    private UpstreamConnection(EndpointPool pool, boolean dedicated) {
        this.pool = pool;
        this.dedicated = dedicated;
    }

    /** An HTTP/1.1 connection for one upgrade request (see {@link UpstreamConnectionPool#acquireDedicated}). */
    static UpstreamConnection dedicated() {
        return new UpstreamConnection(null, true);
    }

    /** A request's HTTP/2 stream (see {@link #attachStream}). */
    static UpstreamConnection forStream() {
        return new UpstreamConnection(null);
    }

    public Channel channel() {
        return channel;
    }

    boolean isDedicated() {
        return dedicated;
    }

    /** How many requests this connection has carried, the current one included (keep-alive reuse shows here). */
    public int requestCount() {
        return requests;
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
        if (pool == null) {
            if (!reusable || dedicated) {
                channel.close(); // an unfinished HTTP/2 stream is reset; a finished one has closed itself
            }
            return;
        }
        if (reusable && channel.isActive()) {
            pool.offer(this);
            channel.read(); // keep a read pending while idle so a close by the server is noticed at once
        } else {
            channel.close();
        }
    }

    /**
     * After a {@code 101 Switching Protocols}: {@code relay} takes this handler's place and the HTTP handlers go (the
     * codec and the flow-control queue hand the bytes read past the 101 on to the relay as they are removed); the
     * pool's idle timer goes too, the downstream connection's idle timeout covers both.
     */
    public void replaceWithRelay(io.netty.channel.ChannelHandler relay) {
        var p = channel.pipeline();
        listener = null;
        p.replace(this, "upgraded-relay", relay);
        p.remove(io.netty.handler.codec.http.HttpClientCodec.class);
        p.remove(io.netty.handler.flow.FlowControlHandler.class);
        p.remove(io.netty.handler.timeout.IdleStateHandler.class);
    }

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
        if (evt instanceof IdleStateEvent && listener == null) {
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
