package dev.weft.proxy.h2;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One multiplexed HTTP/2 connection from an event loop to an endpoint. Request attempts open streams on it, at most
 * as many at once as the server's SETTINGS_MAX_CONCURRENT_STREAMS allows (the pool opens another connection when it
 * is full). Streams open as soon as the connection is up (after the TLS handshake, if any): HTTP/2 lets a client send
 * right after its preface, without waiting a round trip for the server's SETTINGS. Until those arrive,
 * {@link #ASSUMED_MAX_STREAMS} streams are assumed allowed; a server with a lower limit refuses the excess with
 * RST_STREAM(REFUSED_STREAM), which marks them never processed, so they go again on another connection.
 *
 * <p>After a GOAWAY it takes no new streams: streams above the GOAWAY's last stream id were never processed and fail
 * as such ({@link #GOAWAY_LAST_STREAM_ID}), the others finish; the connection closes once the last one ends. A
 * connection that reached the cluster's {@code max_requests_per_connection} drains the same way.
 *
 * <p>Owned by one event loop; every method runs there.
 */
public final class H2UpstreamConnection {
    /** On the connection's channel once a GOAWAY arrived: the last stream id the server said it will process. */
    public static final AttributeKey<Integer> GOAWAY_LAST_STREAM_ID = AttributeKey.valueOf("weft.h2.goawayLastStreamId");
    /** On the connection's channel when an error closed it (e.g. the peer's TLS alert): what its streams failed of. */
    public static final AttributeKey<Throwable> CLOSE_CAUSE = AttributeKey.valueOf("weft.h2.closeCause");
    /** Streams assumed allowed before the server's SETTINGS say (openings above its real limit are handed back). */
    static final int ASSUMED_MAX_STREAMS = 100;

    /** A request waiting for a stream: gets the stream channel, or the reason there is none. */
    public interface StreamWaiter {
        void onStream(Http2StreamChannel stream, int streamsBefore);

        void onStreamFailed(Throwable cause);

        /** This connection cannot take the stream after all (GOAWAY, or fewer streams allowed): try another. */
        void onNoCapacity();
    }

    /** What the pool hears from its connection. */
    public interface Events {
        /** Takes no new streams any more (GOAWAY, closed, draining): forget it for new requests. */
        void onRetired(H2UpstreamConnection connection);

        /** A stream ended: room for a waiting request. */
        void onStreamCapacity(H2UpstreamConnection connection);

        /** Closed for being idle. */
        void onIdleClose();
    }

    private final ArrayDeque<StreamWaiter> waiting = new ArrayDeque<>(4);
    private final Supplier<ChannelHandler> streamHandler;
    private final Events events;
    private final int maxRequests;
    private Channel channel;
    private boolean ready;
    private boolean settingsReceived;
    private boolean usable = true;
    private int streamsOpened;
    /** Streams open or being opened (waiting ones included). */
    private int reserved;
    private long maxStreams = ASSUMED_MAX_STREAMS;
    private Http2StreamChannelBootstrap streams;
    /**
     * The cluster's idle timeout (0: none): closed after this long without a stream. Timed here from the stream count
     * instead of by an {@code IdleStateHandler}, which would cost a promise and a listener per frame written.
     */
    private final long idleNanos;
    /** When the last stream ended (System.nanoTime), valid while {@code reserved == 0}. */
    private long idleSince;
    private boolean idleCheckScheduled;
    private final Runnable idleCheck = this::checkIdle;

    private H2UpstreamConnection(Supplier<ChannelHandler> streamHandler, Events events, int maxRequests,
                                 long idleNanos) {
        this.idleNanos = idleNanos;
        this.streamHandler = streamHandler;
        this.events = events;
        this.maxRequests = maxRequests;
    }

    /**
     * Connects with HTTP/2 prior knowledge (h2c) through {@code bootstrap} (its loop, connect timeout and socket
     * options), or over TLS when {@code tls} adds a TLS handler first: streams then wait for the handshake, and if ALPN
     * chose another protocol than h2 they fail with {@link NegotiatedHttp1Exception} (the pool sends them over
     * HTTP/1.1). {@code streamHandler} makes the last handler of
     * each stream channel (after the HTTP/2 ⇄ HTTP object conversion). {@code idleMillis} 0: never closed for idleness;
     * {@code maxRequests} 0: no limit of streams per connection.
     */
    public static H2UpstreamConnection connect(Bootstrap bootstrap, SocketAddress address, long idleMillis,
                                               Consumer<Channel> tls, Supplier<ChannelHandler> streamHandler,
                                               int maxRequests, Events events) {
        H2UpstreamConnection h2 = new H2UpstreamConnection(streamHandler, events, maxRequests,
                TimeUnit.MILLISECONDS.toNanos(idleMillis));
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(H2Windows.settings().pushEnabled(false))
                .validateHeaders(false) // the HTTP/1.1 side validated them already
                .headerSensitivityDetector(H2HeaderIndexing.INSTANCE)
                .build();
        ChannelFuture connect = bootstrap
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // the connection reads continuously: per-stream windows bound what it buffers
                        ch.config().setAutoRead(true);
                        if (tls != null) {
                            tls.accept(ch);
                        }
                        ch.pipeline().addLast(
                                codec,
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                h2.new ConnectionEvents(codec));
                    }
                })
                .connect(address);
        h2.channel = connect.channel();
        connect.addListener(f -> {
            SslHandler ssl = f.isSuccess() ? h2.channel.pipeline().get(SslHandler.class) : null;
            if (ssl != null) {
                // TLS: streams wait for the handshake, whose ALPN may say the peer speaks HTTP/1.1 only
                ssl.handshakeFuture().addListener(hs -> {
                    String alpn = ssl.applicationProtocol();
                    if (!hs.isSuccess()) {
                        h2.retire();
                        h2.failWaiting(dev.weft.proxy.tls.TlsHandshakeFailure.of(hs.cause())); // 503 UF naming why
                    } else if (alpn != null && !alpn.equals(ApplicationProtocolNames.HTTP_2)) {
                        h2.retire();
                        h2.failWaiting(new NegotiatedHttp1Exception(alpn)); // before the close fails them otherwise
                        h2.channel.close();
                    } else {
                        h2.start(true);
                    }
                });
                return;
            }
            if (f.isSuccess()) {
                h2.start(false);
            } else {
                h2.retire();
                h2.failWaiting(f.cause());
            }
        });
        return h2;
    }

    /** The TLS handshake chose another protocol than h2 by ALPN: the request goes over HTTP/1.1 instead. */
    public static final class NegotiatedHttp1Exception extends java.io.IOException {
        NegotiatedHttp1Exception(String protocol) {
            super("the peer chose " + protocol + " by ALPN", null);
        }
    }

    /** Connected (and TLS negotiated h2, or no ALPN): streams open now. */
    private void start(boolean tls) {
        streams = new Http2StreamChannelBootstrap(channel)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(H2StreamCodec.client(tls), streamHandler.get());
                    }
                });
        becomeReady();
    }

    public Channel channel() {
        return channel;
    }

    /** Whether a new stream may go on this connection now. */
    public boolean hasCapacity() {
        return usable && channel.isOpen() && reserved < maxStreams
                && (maxRequests <= 0 || streamsOpened < maxRequests);
    }

    public int streamsOpened() {
        return streamsOpened;
    }

    /** Streams open or about to open on this connection. */
    public int activeStreams() {
        return reserved;
    }

    /** Opens a stream for {@code waiter} now, or once the connection is up. */
    public void openStream(StreamWaiter waiter) {
        reserved++;
        int before = streamsOpened++;
        if (maxRequests > 0 && streamsOpened >= maxRequests) {
            retire(); // max_requests_per_connection: drain, then close
        }
        if (!ready) {
            waiting.add(waiter);
        } else {
            open(waiter, before);
        }
    }

    private void open(StreamWaiter waiter, int before) {
        streams.open().addListener(f -> {
            if (f.isSuccess()) {
                Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
                stream.closeFuture().addListener(x -> streamEnded());
                waiter.onStream(stream, before);
            } else {
                streamEnded();
                waiter.onStreamFailed(f.cause());
            }
        });
    }

    private void streamEnded() {
        reserved--;
        if (!usable || !channel.isActive()) {
            if (reserved == 0 && channel.isOpen()) {
                channel.close(); // drained
            }
            return;
        }
        if (reserved == 0 && idleNanos > 0) {
            idleSince = System.nanoTime();
            scheduleIdleCheck(idleNanos);
        }
        events.onStreamCapacity(this);
    }

    /** At most one check pending: it re-arms itself for the rest of the period when a stream came and went since. */
    private void scheduleIdleCheck(long delayNanos) {
        if (!idleCheckScheduled) {
            idleCheckScheduled = true;
            channel.eventLoop().schedule(idleCheck, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkIdle() {
        idleCheckScheduled = false;
        if (!channel.isOpen() || reserved > 0) {
            return; // busy: the next time the last stream ends arms a new check
        }
        long left = idleSince + idleNanos - System.nanoTime();
        if (left > 0) {
            scheduleIdleCheck(left);
            return;
        }
        retire();
        events.onIdleClose();
        channel.close();
    }

    /** The server's SETTINGS: its stream limit applies from now on (streams above it are refused by the server). */
    private void onSettings(Http2SettingsFrame settings) {
        Long max = settings.settings().maxConcurrentStreams();
        if (max != null) {
            maxStreams = max;
        } else if (!settingsReceived) {
            maxStreams = Integer.MAX_VALUE; // no limit announced (a later SETTINGS without it changes nothing)
        }
        settingsReceived = true;
    }

    /** Connected: open the streams that waited for it, up to the assumed (or already announced) limit. */
    private void becomeReady() {
        ready = true;
        int opened = 0;
        StreamWaiter w;
        while ((w = waiting.poll()) != null) {
            if (usable && opened < maxStreams) {
                open(w, opened); // nothing was opened before the connection was ready
                opened++;
            } else {
                reserved--;
                streamsOpened--;
                w.onNoCapacity();
            }
        }
        if (reserved == 0 && idleNanos > 0) {
            idleSince = System.nanoTime();
            scheduleIdleCheck(idleNanos);
        }
    }

    /** Takes no new streams and closes once the last one ended (e.g. {@code max_connection_duration}). */
    public void drain() {
        retire();
        if (reserved == 0 && channel.isOpen()) {
            channel.close();
        }
    }

    private void retire() {
        if (usable) {
            usable = false;
            events.onRetired(this);
        }
    }

    private void failWaiting(Throwable cause) {
        StreamWaiter w;
        while ((w = waiting.poll()) != null) {
            reserved--;
            w.onStreamFailed(cause);
        }
    }

    /** Connection-level events: SETTINGS, GOAWAY and close. */
    private final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        ConnectionEvents(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsFrame settings) {
                onSettings(settings);
            } else if (msg instanceof Http2GoAwayFrame goAway) {
                ctx.channel().attr(GOAWAY_LAST_STREAM_ID).set(goAway.lastStreamId());
                retire();
                StreamWaiter w;
                while ((w = waiting.poll()) != null) {
                    reserved--;
                    w.onNoCapacity(); // never sent: another connection takes it
                }
                if (reserved == 0) {
                    ctx.close();
                }
            }
            ReferenceCountUtil.release(msg); // pings and other connection frames end here
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            H2Windows.widenConnectionWindow(codec); // after the codec sent the preface and SETTINGS
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            retire();
            failWaiting(new ClosedChannelException());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.channel().attr(CLOSE_CAUSE).setIfAbsent(cause);
            retire();
            ctx.close();
        }
    }
}
