package dev.weft.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The app behind every target: a small, fast HTTP/1.1 keep-alive server answering every request with the same
 * 13-byte body. It runs in its own process so its CPU never counts against the proxy under test. The
 * {@code x-bench-backend} header lets the harness tell a real backend answer from a proxy's own error page.
 *
 * <p>Usage: {@code BackendServer --port P [--threads N]}
 */
public final class BackendServer {
    public static final String MARKER_HEADER = "x-bench-backend";
    static final byte[] BODY = "hello, world\n".getBytes(StandardCharsets.US_ASCII);

    /** A backend running in this JVM (tests); closing it stops the listener and its event loops. */
    public record Running(Channel channel, EventLoopGroup group) implements AutoCloseable {
        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        int port = 0;
        int threads = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (port <= 0) {
            throw new IllegalArgumentException("--port is required");
        }
        Running running = start(port, threads);
        System.out.println("backend listening on 127.0.0.1:" + running.port());
        Runtime.getRuntime().addShutdownHook(new Thread(running::close));
        running.channel().closeFuture().sync();
    }

    /** Binds 127.0.0.1:port (0: any free port) with {@code threads} epoll event loops. */
    public static Running start(int port, int threads) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
        ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(BODY.length).writeBytes(BODY));
        FullHttpResponse template = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        template.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length)
                .set(MARKER_HEADER, "1");
        ChannelHandler handler = new Responder(template);
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), handler);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        return new Running(server, group);
    }

    /** Answers at the end of each request (bodies are read and dropped); flushes once per read burst. */
    @ChannelHandler.Sharable
    private static final class Responder extends SimpleChannelInboundHandler<HttpObject> {
        private final FullHttpResponse template;

        Responder(FullHttpResponse template) {
            this.template = template;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest request && !HttpUtil.isKeepAlive(request)) {
                ctx.channel().attr(CLOSE_AFTER).set(Boolean.TRUE);
            }
            if (msg instanceof LastHttpContent) {
                FullHttpResponse response = template.retainedDuplicate();
                if (Boolean.TRUE.equals(ctx.channel().attr(CLOSE_AFTER).get())) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.write(response);
                }
            } else if (msg instanceof HttpContent) {
                // body bytes are released by SimpleChannelInboundHandler
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final io.netty.util.AttributeKey<Boolean> CLOSE_AFTER =
            io.netty.util.AttributeKey.valueOf("bench.closeAfter");
}
