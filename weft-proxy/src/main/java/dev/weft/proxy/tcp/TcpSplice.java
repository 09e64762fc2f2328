package dev.weft.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;

/**
 * Turns two connections that spoke HTTP (an upgraded request: {@code 101 Switching Protocols}) into a raw byte relay
 * with the {@link TcpRelay} pair of tcp_proxy: backpressure, half-close, close of one side closing the other. Both
 * channels must be on the same event loop.
 *
 * <p>Use: put {@link #fromDownstream()} and {@link #fromUpstream()} last in their pipelines <em>before</em> removing
 * the HTTP codecs (a codec hands the bytes it read past the HTTP message to the next handler when removed; the relays
 * hold them until {@link #start}), then call {@link #start}.
 */
public final class TcpSplice {
    /** Called once, when both connections are closed, with the bytes each way. */
    public interface Done {
        void onClosed(long fromDownstream, long toDownstream);
    }

    private final TcpConnectionStats stats = new TcpConnectionStats(null); // counted as the upgrade request
    private final TcpRelay fromDownstream = new TcpRelay(stats, true);
    private final TcpRelay fromUpstream = new TcpRelay(stats, false);

    public ChannelHandler fromDownstream() {
        return fromDownstream;
    }

    public ChannelHandler fromUpstream() {
        return fromUpstream;
    }

    /** Starts relaying both ways; {@code done} runs once both connections are closed. */
    public void start(Channel downstream, Channel upstream, Done done) {
        fromDownstream.peer(upstream);
        fromUpstream.peer(downstream);
        Runnable closed = new Runnable() {
            private int open = 2;

            @Override
            public void run() { // on the shared event loop
                if (--open == 0) {
                    done.onClosed(stats.received(), stats.sent());
                }
            }
        };
        downstream.closeFuture().addListener(f -> closed.run());
        upstream.closeFuture().addListener(f -> closed.run());
        if (!downstream.isActive() || !upstream.isActive()) {
            downstream.close();
            upstream.close();
            return;
        }
        downstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        upstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        fromDownstream.flushHeld();
        fromUpstream.flushHeld();
        // each side reads while the other can take its bytes (the relays keep this up from here on)
        TcpRelay.setReading(upstream, downstream.isWritable());
        TcpRelay.setReading(downstream, upstream.isWritable());
    }
}
