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
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One multiplexed HTTP/2 connection from an event loop to an endpoint. Request attempts open streams on it; while it
 * connects, their stream openings wait in a queue. After a GOAWAY or a close it takes no new streams (streams in
 * flight finish or fail on their own) and the pool makes a new connection for the next request.
 *
 * <p>Owned by one event loop; every method runs there.
 */
public final class H2UpstreamConnection {
    /** A request waiting for a stream: gets the stream channel, or the reason there is none. */
    public interface StreamWaiter {
        void onStream(Http2StreamChannel stream, int streamsBefore);

        void onStreamFailed(Throwable cause);
    }

    private final ArrayDeque<StreamWaiter> waiting = new ArrayDeque<>(4);
    private final Supplier<ChannelHandler> streamHandler;
    private Channel channel;
    private boolean connected;
    private boolean usable = true;
    private int streamsOpened;
    private Http2StreamChannelBootstrap streams;

    private H2UpstreamConnection(Supplier<ChannelHandler> streamHandler) {
        this.streamHandler = streamHandler;
    }

    /**
     * Connects with HTTP/2 prior knowledge (h2c), or over TLS when {@code tls} adds a TLS handler first: streams then
     * wait for the handshake, and if ALPN chose another protocol than h2 they fail with
     * {@link NegotiatedHttp1Exception} (the pool sends them over HTTP/1.1). {@code streamHandler} makes the last handler of each
     * stream channel (after the HTTP/2 ⇄ HTTP object conversion).
     */
    public static H2UpstreamConnection connect(Bootstrap bootstrap, SocketAddress address, int connectTimeoutMillis,
                                               long idleSeconds, Consumer<Channel> tls,
                                               Supplier<ChannelHandler> streamHandler,
                                               Runnable onUnusable) {
        H2UpstreamConnection h2 = new H2UpstreamConnection(streamHandler);
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(H2Windows.settings().pushEnabled(false))
                .validateHeaders(false) // the HTTP/1.1 side validated them already
                .build();
        ChannelFuture connect = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // the connection reads continuously: per-stream windows bound what it buffers
                        ch.config().setAutoRead(true);
                        if (tls != null) {
                            tls.accept(ch);
                        }
                        ch.pipeline().addLast(
                                new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS),
                                codec,
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                h2.new ConnectionEvents(codec, onUnusable));
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
                        h2.failAll(onUnusable, hs.cause());
                    } else if (alpn != null && !alpn.equals(ApplicationProtocolNames.HTTP_2)) {
                        h2.channel.close();
                        h2.failAll(onUnusable, new NegotiatedHttp1Exception(alpn));
                    } else {
                        h2.start();
                    }
                });
                return;
            }
            if (f.isSuccess()) {
                h2.start();
            } else {
                h2.failAll(onUnusable, f.cause());
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

    private void failAll(Runnable onUnusable, Throwable cause) {
        unusable(onUnusable);
        StreamWaiter w;
        while ((w = waiting.poll()) != null) {
            w.onStreamFailed(cause);
        }
    }

    /** Connected (and TLS negotiated h2, or no ALPN): the waiting requests get their streams. */
    private void start() {
        connected = true;
        streams = new Http2StreamChannelBootstrap(channel)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false, false),
                                new H2ExtensionHeaders(), streamHandler.get());
                    }
                });
        StreamWaiter w;
        while ((w = waiting.poll()) != null) {
            open(w);
        }
    }

    /** Whether new streams may go on this connection (not closed, no GOAWAY received). */
    public boolean isUsable() {
        return usable && channel.isOpen();
    }

    public int streamsOpened() {
        return streamsOpened;
    }

    /** Opens a stream for {@code waiter} now, or once connected. */
    public void openStream(StreamWaiter waiter) {
        if (!connected) {
            waiting.add(waiter);
        } else {
            open(waiter);
        }
    }

    private void open(StreamWaiter waiter) {
        int before = streamsOpened++;
        streams.open().addListener(f -> {
            if (f.isSuccess()) {
                waiter.onStream((Http2StreamChannel) f.getNow(), before);
            } else {
                waiter.onStreamFailed(f.cause());
            }
        });
    }

    private void unusable(Runnable onUnusable) {
        if (usable) {
            usable = false;
            onUnusable.run();
        }
    }

    /** Connection-level events: GOAWAY and close retire the connection; idle with no streams closes it. */
    private final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;
        private final Runnable onUnusable;

        ConnectionEvents(Http2FrameCodec codec, Runnable onUnusable) {
            this.codec = codec;
            this.onUnusable = onUnusable;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                unusable(onUnusable);
            }
            ReferenceCountUtil.release(msg); // settings, pings and other connection frames end here
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            H2Windows.widenConnectionWindow(codec); // after the codec sent the preface and SETTINGS
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            unusable(onUnusable);
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                unusable(onUnusable);
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            unusable(onUnusable);
            ctx.close();
        }
    }
}
