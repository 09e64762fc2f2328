package dev.weft.proxy.authz;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
 * loop's own thread: no locks). Never blocks; the answer or the error comes back on the same loop. A check whose kept
 * connection turns out to be closed by the authorizer (before any answer) goes once more on a new connection.
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
        Class<? extends Channel> type = downstream instanceof EpollSocketChannel ? EpollSocketChannel.class
                : NioSocketChannel.class;
        Pending pending = new Pending(done, loop, type, host, port, timeoutMillis);
        pending.timer = loop.schedule(() -> pending.fail("timeout after " + timeoutMillis + " ms", true),
                timeoutMillis, TimeUnit.MILLISECONDS);
        ArrayDeque<Channel> idle = IDLE.get().get(pending.endpoint);
        Channel reuse = null;
        while (idle != null && (reuse = idle.poll()) != null && !reuse.isActive()) {
            reuse = null;
        }
        if (reuse != null) {
            pending.retry = request.retain(); // kept in case the authorizer closed this connection meanwhile
            send(reuse, request, pending);
        } else {
            connect(pending, request);
        }
    }

    private static void connect(Pending pending, FullHttpRequest request) {
        new Bootstrap().group(pending.loop).channel(pending.type)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, pending.timeoutMillis))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_RESPONSE_BYTES),
                                new AnswerHandler(pending.endpoint));
                    }
                })
                .connect(pending.host, pending.port).addListener(f -> {
                    if (f.isSuccess()) {
                        Channel ch = ((ChannelFuture) f).channel();
                        ch.closeFuture().addListener(c -> { // runs on this loop: its own idle map
                            ArrayDeque<Channel> pooled = IDLE.get().get(pending.endpoint);
                            if (pooled != null) {
                                pooled.remove(ch);
                            }
                        });
                        send(ch, request, pending);
                    } else {
                        request.release();
                        pending.fail("cannot connect to " + pending.endpoint + ": " + f.cause().getMessage(), false);
                    }
                });
    }

    private static void send(Channel ch, FullHttpRequest request, Pending pending) {
        if (pending.finished) {
            request.release();
            ch.close();
            return;
        }
        ch.pipeline().get(AnswerHandler.class).pending = pending;
        pending.channel = ch;
        ch.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                pending.lost(ch, "cannot send the check: " + f.cause().getMessage());
            }
        });
    }

    /** One check in flight: completes once, by the answer, an error or the timer. */
    private static final class Pending {
        final Consumer<Answer> done;
        final EventLoop loop;
        final Class<? extends Channel> type;
        final String host;
        final int port;
        final String endpoint;
        final long timeoutMillis;
        ScheduledFuture<?> timer;
        Channel channel;
        /** The request once more, while it went on a kept connection that may have been closed meanwhile. */
        FullHttpRequest retry;
        boolean finished;

        Pending(Consumer<Answer> done, EventLoop loop, Class<? extends Channel> type, String host, int port,
                long timeoutMillis) {
            this.done = done;
            this.loop = loop;
            this.type = type;
            this.host = host;
            this.port = port;
            this.endpoint = host + ":" + port;
            this.timeoutMillis = timeoutMillis;
        }

        /** The connection {@code ch} went away before the answer: once more on a new one if it was a kept one. */
        void lost(Channel ch, String error) {
            if (finished || ch != channel) {
                return;
            }
            if (retry != null) {
                FullHttpRequest again = retry;
                retry = null;
                channel = null;
                ch.close();
                connect(this, again);
                return;
            }
            fail(error, true);
        }

        void answer(FullHttpResponse response) {
            if (finished) {
                response.release();
                return;
            }
            finished = true;
            timer.cancel(false);
            releaseRetry();
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
            releaseRetry();
            if (closeChannel && channel != null) {
                channel.close(); // a late answer must not be read as the next check's
            }
            done.accept(new Answer(null, error));
        }

        private void releaseRetry() {
            if (retry != null) {
                retry.release();
                retry = null;
            }
        }
    }

    private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final String endpoint;
        Pending pending;

        AnswerHandler(String endpoint) {
            super(false);
            this.endpoint = endpoint;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Pending p = pending;
            pending = null;
            if (p == null || p.finished) {
                response.release();
                ctx.close();
                return;
            }
            if (HttpUtil.isKeepAlive(response)) {
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
                p.lost(ctx.channel(), "the authorizer closed the connection");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Pending p = pending;
            pending = null;
            if (p != null) {
                p.lost(ctx.channel(), "check failed: " + cause.getMessage());
            }
            ctx.close();
        }
    }
}
