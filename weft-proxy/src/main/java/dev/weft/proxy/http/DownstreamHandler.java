package dev.weft.proxy.http;

import dev.weft.proxy.upstream.UpstreamPools;
import dev.weft.proxy.view.DataPlaneView;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * One downstream HTTP/1.1 connection. Requests are handled one at a time: reading is manual (auto-read off, one
 * message per read through a FlowControlHandler), so the next request is read only once the current exchange is
 * done, and a request body is read only as fast as the upstream takes it.
 */
public final class DownstreamHandler extends ChannelInboundHandlerAdapter {
    private final String listenerName;
    private final Supplier<DataPlaneView> views;
    private final UpstreamPools pools;
    private ChannelHandlerContext ctx;
    private String sourceAddress;
    private HttpExchange current;

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
        if (msg instanceof HttpRequest request) {
            if (current != null) {
                // cannot happen with one read per message; keep the connection consistent if it does
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            current = new HttpExchange(this, request, views.get(), listenerName);
            current.start();
            if (msg instanceof HttpContent content && current != null) {
                current.onRequestContent(content);
            }
        } else if (msg instanceof HttpContent content) {
            if (current != null) {
                current.onRequestContent(content);
            } else {
                content.release();
                ctx.read();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
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

    void readMore() {
        ctx.read();
    }

    /** Called by the exchange when both its request and its response are complete. */
    void exchangeDone(HttpExchange exchange, boolean keepAlive) {
        if (current != exchange) {
            return;
        }
        current = null;
        if (keepAlive) {
            ctx.read();
        } else {
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
