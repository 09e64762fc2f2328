package dev.weft.proxy.net;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} when a connection has neither read nor written for the timeout
 * (Netty's {@code IdleStateHandler(0, 0, timeout)} semantics, which the pipelines' idle handling expects), without
 * its cost on the request path: {@code IdleStateHandler} turns every write's void promise into a new promise with a
 * listener to learn when the write completed; this timer notes the time output is flushed and, when the timeout
 * comes, counts bytes still waiting to be sent (a slow reader draining a response) as activity.
 */
public final class IdleTimer extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private long lastActivity;
    private boolean reading;
    private ScheduledFuture<?> check;

    public IdleTimer(long timeout, TimeUnit unit) {
        this.timeoutNanos = Math.max(unit.toNanos(timeout), TimeUnit.MILLISECONDS.toNanos(1));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
        super.channelRegistered(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (reading) {
            lastActivity = ctx.executor().ticker().nanoTime();
            reading = false;
        }
        ctx.fireChannelReadComplete();
    }

    /**
     * Output counts as activity when it is flushed (every write here is followed by a flush in the same event-loop
     * turn): one clock read per flush instead of one per write, and writes do not pass through this handler at all.
     */
    @Override
    public void flush(ChannelHandlerContext ctx) {
        lastActivity = ctx.executor().ticker().nanoTime();
        ctx.flush();
    }

    private void start(ChannelHandlerContext ctx) {
        if (check != null) {
            return;
        }
        lastActivity = ctx.executor().ticker().nanoTime();
        check = ctx.executor().schedule(() -> onTimeout(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void onTimeout(ChannelHandlerContext ctx) {
        if (check == null || !ctx.channel().isOpen()) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
        if (reading || pending != null && pending.totalPendingWriteBytes() > 0) {
            lastActivity = now; // a message being read, or output still draining: not idle
        }
        long left = timeoutNanos - (now - lastActivity);
        if (left > 0) {
            check = ctx.executor().schedule(() -> onTimeout(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        check = ctx.executor().schedule(() -> onTimeout(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    }
}
