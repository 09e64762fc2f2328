package dev.weft.proxy.authz;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sends ext_authz HTTP checks from the event loop of the request being checked, over HTTP/1.1 connections that live on
 * that loop and are kept alive between checks (a few idle ones per authorizer endpoint and loop, touched only by the
 * loop's own thread: no locks). Never blocks; the answer or the error comes back on the same loop.
 */
final class ExtAuthzHttpClient {
    /** A denial's body is passed to the client; anything larger is an error, as a check answer should be small. */
    private static final int MAX_RESPONSE_BYTES = 64 * 1024;
    private static final int MAX_IDLE_PER_ENDPOINT = 8;
    private static final FastThreadLocal<Map<String, ArrayDeque<Channel>>> IDLE = new FastThreadLocal<>() {
        @Override
        protected Map<String, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };

    private ExtAuthzHttpClient() {}

    /** The answer to one check: a response (released by the caller) or an error message. */
    record Answer(FullHttpResponse response, String error) {}

    /** Sends {@code request} to {@code host:port}; {@code done} runs once, on {@code loop}. */
    static void check(EventLoop loop, Channel downstream, String host, int port, FullHttpRequest request,
                      long timeoutMillis, Consumer<Answer> done) {
        Pending pending = new Pending(done);
        pending.timer = loop.schedule(() -> pending.fail("timeout after " + timeoutMillis + " ms", true),
                timeoutMillis, TimeUnit.MILLISECONDS);
        String endpoint = host + ":" + port;
        ArrayDeque<Channel> idle = IDLE.get().get(endpoint);
        Channel reuse = null;
        while (idle != null && (reuse = idle.poll()) != null && !reuse.isActive()) {
            reuse = null;
        }
        if (reuse != null) {
            send(reuse, endpoint, request, pending);
            return;
        }
        Class<? extends Channel> type = downstream instanceof EpollSocketChannel ? EpollSocketChannel.class
                : NioSocketChannel.class;
        new Bootstrap().group(loop).channel(type)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_RESPONSE_BYTES),
                                new AnswerHandler());
                    }
                })
                .connect(host, port).addListener(f -> {
                    if (f.isSuccess()) {
                        Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                        ch.closeFuture().addListener(c -> { // runs on this loop: its own idle map
                            ArrayDeque<Channel> pooled = IDLE.get().get(endpoint);
                            if (pooled != null) {
                                pooled.remove(ch);
                            }
                        });
                        send(ch, endpoint, request, pending);
                    } else {
                        request.release();
                        pending.fail("cannot connect to " + endpoint + ": " + f.cause().getMessage(), false);
                    }
                });
    }

    private static void send(Channel ch, String endpoint, FullHttpRequest request, Pending pending) {
        if (pending.finished) {
            request.release();
            ch.close();
            return;
        }
        AnswerHandler handler = ch.pipeline().get(AnswerHandler.class);
        handler.pending = pending;
        handler.endpoint = endpoint;
        pending.channel = ch;
        ch.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                pending.fail("cannot send the check: " + f.cause().getMessage(), true);
            }
        });
    }

    /** One check in flight: completes once, by the answer, an error or the timer. */
    private static final class Pending {
        final Consumer<Answer> done;
        ScheduledFuture<?> timer;
        Channel channel;
        boolean finished;

        Pending(Consumer<Answer> done) {
            this.done = done;
        }

        void answer(FullHttpResponse response) {
            if (finished) {
                response.release();
                return;
            }
            finished = true;
            timer.cancel(false);
            done.accept(new Answer(response, null));
        }

        void fail(String error, boolean closeChannel) {
            if (finished) {
                return;
            }
            finished = true;
            if (timer != null) {
                timer.cancel(false);
            }
            if (closeChannel && channel != null) {
                channel.close(); // a late answer must not be read as the next check's
            }
            done.accept(new Answer(null, error));
        }
    }

    private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        Pending pending;
        String endpoint;

        AnswerHandler() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Pending p = pending;
            pending = null;
            if (p == null) {
                response.release();
                ctx.close();
                return;
            }
            if (HttpUtil.isKeepAlive(response) && !p.finished) {
                ArrayDeque<Channel> idle = IDLE.get().computeIfAbsent(endpoint, k -> new ArrayDeque<>(2));
                if (idle.size() < MAX_IDLE_PER_ENDPOINT) {
                    idle.add(ctx.channel());
                } else {
                    ctx.close();
                }
            } else {
                ctx.close();
            }
            p.answer(response);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Pending p = pending;
            pending = null;
            if (p != null) {
                p.fail("the authorizer closed the connection", false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Pending p = pending;
            pending = null;
            if (p != null) {
                p.fail("check failed: " + cause.getMessage(), true);
            }
            ctx.close();
        }
    }
}
