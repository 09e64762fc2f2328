package dev.weft.tests.harness;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 server with prior knowledge (h2c) that announces {@code maxConcurrentStreams}, answers every request
 * after {@code delayMillis}, and — when {@code goAwayEvery} &gt; 0 — shuts each connection down gracefully (GOAWAY,
 * then close once its streams are done) after that many streams. Counts connections, streams, and the most streams
 * open at once on one connection.
 */
public final class H2cTestServer implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger maxStreamsOnOneConnection = new AtomicInteger();
    private final AtomicInteger goAways = new AtomicInteger();

    public H2cTestServer(long maxConcurrentStreams, long delayMillis, int goAwayEvery) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        AtomicInteger open = new AtomicInteger();
                        AtomicInteger seen = new AtomicInteger();
                        ch.pipeline().addLast(
                                Http2FrameCodecBuilder.forServer()
                                        .initialSettings(Http2Settings.defaultSettings()
                                                .maxConcurrentStreams(maxConcurrentStreams))
                                        .build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new StreamHandler(ch, open, seen, delayMillis,
                                                goAwayEvery));
                                    }
                                }));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public int connections() {
        return connections.get();
    }

    public int streams() {
        return streams.get();
    }

    public int maxStreamsOnOneConnection() {
        return maxStreamsOnOneConnection.get();
    }

    /** Graceful shutdowns (GOAWAY) the server started. */
    public int goAways() {
        return goAways.get();
    }

    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final Channel connection;
        private final AtomicInteger open;
        private final AtomicInteger seen;
        private final long delayMillis;
        private final int goAwayEvery;

        StreamHandler(Channel connection, AtomicInteger open, AtomicInteger seen, long delayMillis, int goAwayEvery) {
            this.connection = connection;
            this.open = open;
            this.seen = seen;
            this.delayMillis = delayMillis;
            this.goAwayEvery = goAwayEvery;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean end = msg instanceof Http2HeadersFrame h && h.isEndStream()
                    || msg instanceof Http2DataFrame d && d.isEndStream();
            if (msg instanceof Http2HeadersFrame) {
                streams.incrementAndGet();
                maxStreamsOnOneConnection.accumulateAndGet(open.incrementAndGet(), Math::max);
            }
            ReferenceCountUtil.release(msg);
            if (!end) {
                return;
            }
            int n = seen.incrementAndGet();
            ctx.executor().schedule(() -> {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .set("content-type", "text/plain")));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("stream " + n + "\n",
                        StandardCharsets.UTF_8), true));
                open.decrementAndGet();
            }, delayMillis, TimeUnit.MILLISECONDS);
            if (goAwayEvery > 0 && n == goAwayEvery) {
                goAways.incrementAndGet();
                connection.close(); // Netty's graceful shutdown: GOAWAY now, close when the open streams are done
            }
        }
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
