package dev.weft.proxy.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One direction of a proxied TCP connection: what this channel reads is written to {@code peer}. Both channels of a
 * pair run on the same event loop, so no state here is shared across threads.
 *
 * <p>Backpressure: when the peer's outbound buffer passes its high-water mark this channel stops reading, and reads
 * again once the peer drained below the low-water mark ({@link #channelWritabilityChanged} of the peer's relay).
 * Half-close: an EOF from this side becomes a FIN on the peer (after what was read before it is flushed); a channel is
 * closed once both of its directions are shut down, and a full close (or error) of either side closes the other after
 * flushing.
 */
final class TcpRelay extends ChannelInboundHandlerAdapter {
    private final TcpConnectionStats stats;
    private final boolean downstream;
    private Channel peer;
    /** What was read before the peer was known (a spliced connection's leftovers); sent once it is. */
    private java.util.ArrayDeque<Object> held;

    TcpRelay(TcpConnectionStats stats, boolean downstream) {
        this.stats = stats;
        this.downstream = downstream;
    }

    void peer(Channel peer) {
        this.peer = peer;
    }

    /** Sends what was held while there was no peer; returns whether anything was. */
    boolean flushHeld() {
        if (held == null || held.isEmpty()) {
            return false;
        }
        for (Object msg = held.poll(); msg != null; msg = held.poll()) {
            if (peer.isActive()) {
                if (msg instanceof io.netty.buffer.ByteBuf buf) {
                    stats.onBytes(downstream, buf.readableBytes());
                }
                peer.write(msg, peer.voidPromise());
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
        peer.flush();
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (peer == null) {
            if (held == null) {
                held = new java.util.ArrayDeque<>(2);
            }
            held.add(msg); // bounded: the channel does not read again before the peer is set
            return;
        }
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof io.netty.buffer.ByteBuf buf) {
            stats.onBytes(downstream, buf.readableBytes());
        }
        peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (peer != null) {
            peer.flush();
            if (!peer.isWritable()) {
                setReading(ctx.channel(), false); // resumed by the peer's writability change
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (peer != null && peer.isActive()) {
            setReading(peer, ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // EOF from this side: forward it as a FIN once the bytes read before it are written
            if (peer instanceof DuplexChannel p && p.isActive()) {
                p.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    if (p.isActive()) {
                        p.shutdownOutput().addListener(s -> closeIfBothShut(p));
                    }
                });
            } else if (peer != null) {
                closeOnFlush(peer);
            }
            closeIfBothShut(ctx.channel());
        } else if (evt instanceof IdleStateEvent) {
            ctx.close(); // no byte either way for the idle timeout; channelInactive closes the peer
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private static void closeIfBothShut(Channel ch) {
        if (ch instanceof DuplexChannel d && d.isInputShutdown() && d.isOutputShutdown()) {
            d.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer != null) {
            closeOnFlush(peer);
        }
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held.clear();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * Turns reading on or off, unless the channel's input is already shut down: epoll has then dropped the socket's
     * read interest, and asking for it again fails.
     */
    static void setReading(Channel ch, boolean on) {
        if (!(ch instanceof DuplexChannel d && d.isInputShutdown())) {
            ch.config().setAutoRead(on);
        }
    }

    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
