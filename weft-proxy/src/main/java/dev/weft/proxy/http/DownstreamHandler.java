package dev.weft.proxy.http;

import dev.weft.proxy.upstream.UpstreamPools;
import dev.weft.proxy.view.DataPlaneView;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * One downstream HTTP/1.1 connection. Requests are handled one at a time and reading is manual (auto-read off): the
 * socket is read again only while the current exchange can take more, so a request body is read only as fast as the
 * upstream takes it, and pipelined requests wait (parsed, in a small queue) until the exchange before them is done.
 */
public final class DownstreamHandler extends ChannelInboundHandlerAdapter {
    private final String listenerName;
    private final Supplier<DataPlaneView> views;
    private final UpstreamPools pools;
    private ChannelHandlerContext ctx;
    private String sourceAddress;
    private HttpExchange current;
    private final ArrayDeque<HttpObject> pending = new ArrayDeque<>(2);
    /** Runs {@link #flushNow} once the event loop has handled the reads in progress (see {@link #flushSoon}). */
    private final Runnable scheduledFlush = this::flushNow;
    private boolean flushScheduled;

    public DownstreamHandler(String listenerName, Supplier<DataPlaneView> views, UpstreamPools pools) {
        this.listenerName = listenerName;
        this.views = views;
        this.pools = pools;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            sourceAddress = remote.getAddress().getHostAddress();
        }
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
        } else if (!pending.isEmpty() || (current != null && current.isRequestComplete())) {
            pending.add((HttpObject) msg); // a pipelined request: wait until the current exchange is done
        } else {
            dispatch((HttpObject) msg);
        }
    }

    private void dispatch(HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            if (current != null) {
                ReferenceCountUtil.release(msg); // a new head before the last body part: the codec broke framing
                ctx.close();
                return;
            }
            current = new HttpExchange(this, request, views.get(), listenerName);
            current.start();
            if (msg instanceof HttpContent content) {
                if (current != null) {
                    current.onRequestContent(content);
                } else {
                    content.release();
                }
            }
        } else if (msg instanceof HttpContent content) {
            if (current != null) {
                current.onRequestContent(content);
            } else {
                content.release();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** After each socket read: read on only while the current exchange can take more (backpressure). */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pending.isEmpty() && (current == null || current.wantsRequestData())) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && current != null) {
            current.onDownstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        HttpExchange exchange = current;
        current = null;
        if (exchange != null) {
            exchange.onDownstreamClosed();
        }
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && current == null) {
            ctx.close(); // idle keep-alive connection
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    ChannelHandlerContext context() {
        return ctx;
    }

    String sourceAddress() {
        return sourceAddress;
    }

    UpstreamPools pools() {
        return pools;
    }

    /**
     * Flushes what was written downstream once the event loop has handled the reads in progress, not at once: the
     * upstream's response arrives as several messages (head, body parts, end), each followed by a read-complete, and
     * flushing at each would send a response in several system calls (e.g. its head and its 13-byte body apart).
     * Anything written meanwhile leaves with the first flush, whoever calls it.
     */
    void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(scheduledFlush);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        ctx.flush();
    }

    /** The exchange can take request data again (upstream connected or writable, or discarding a body). */
    void readMore() {
        if (pending.isEmpty()) {
            ctx.read();
        }
    }

    /**
     * Whether the connection can leave HTTP/1.1 after its upgrade request: only when nothing was read past that
     * request (a client speaks the new protocol only after the 101).
     */
    boolean detachForUpgrade() {
        return pending.isEmpty() && !(ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel);
    }

    /** {@code relay} takes this handler's place and the HTTP/1.1 codec goes (handing on any bytes it still holds). */
    void spliceDownstream(io.netty.channel.ChannelHandler relay) {
        current = null;
        ctx.pipeline().replace(this, "upgraded-relay", relay);
        ctx.pipeline().remove(io.netty.handler.codec.http.HttpServerCodec.class);
    }

    private void releasePending() {
        HttpObject msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Called by the exchange when both its request and its response are complete. */
    void exchangeDone(HttpExchange exchange, boolean keepAlive) {
        if (current != exchange) {
            return;
        }
        current = null;
        if (keepAlive) {
            // pipelined messages first; each dispatch may start an exchange that stops the drain again
            while (!pending.isEmpty() && (current == null || !current.isRequestComplete())) {
                dispatch(pending.poll());
            }
            if (pending.isEmpty() && (current == null || current.wantsRequestData())) {
                ctx.read();
            }
        } else {
            releasePending();
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
