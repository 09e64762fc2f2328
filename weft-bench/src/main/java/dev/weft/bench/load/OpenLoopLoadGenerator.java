package dev.weft.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * An open-loop HTTP/1.1 load generator in the manner of wrk2: the request rate is fixed in advance, spread evenly
 * over keep-alive connections (one request in flight per connection, no pipelining), and each request's latency is
 * taken from its <em>intended</em> send time. A slow response therefore shows up in the latency of every request
 * that should have been sent meanwhile, instead of silently lowering the rate (coordinated omission).
 *
 * <p>All connections live on one event loop, so the histograms are touched by one thread only.
 */
public final class OpenLoopLoadGenerator implements AutoCloseable {
    private static final long HIGHEST_TRACKABLE_MICROS = TimeUnit.SECONDS.toMicros(120);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

    /**
     * What to send and how fast.
     *
     * @param hostHeader the Host header (the authority a proxy routes on)
     * @param connections keep-alive connections; each carries rate/connections requests per second
     */
    public record Settings(String host, int port, String hostHeader, String path, int ratePerSecond, int connections,
                           Duration duration) {
        public Settings {
            if (ratePerSecond <= 0 || connections <= 0 || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("rate, connections and duration must be positive: " + this);
            }
        }
    }

    /** Runs one phase; fails with an IOException naming the target when its connections cannot be opened. */
    public LatencyResult run(Settings settings) throws InterruptedException, java.io.IOException {
        byte[] requestBytes = ("GET " + settings.path() + " HTTP/1.1\r\nHost: " + settings.hostHeader()
                + "\r\nUser-Agent: weft-bench\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuf request = Unpooled.unreleasableBuffer(Unpooled.directBuffer(requestBytes.length).writeBytes(requestBytes));
        Run run = new Run(settings, request);
        try {
            return run.execute();
        } finally {
            run.closeAll();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** State of one phase: shared histograms and counters, confined to the single event loop. */
    private final class Run {
        final Settings settings;
        final ByteBuf request;
        final Histogram corrected = new Histogram(1, HIGHEST_TRACKABLE_MICROS, 3);
        final Histogram service = new Histogram(1, HIGHEST_TRACKABLE_MICROS, 3);
        final List<ConnectionDriver> drivers = new ArrayList<>();
        final CountDownLatch finished;
        final Bootstrap bootstrap;
        long startNanos;
        long endNanos;
        long completed;
        long errors;

        Run(Settings settings, ByteBuf request) {
            this.settings = settings;
            this.request = request;
            this.finished = new CountDownLatch(settings.connections());
            this.bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000);
        }

        LatencyResult execute() throws InterruptedException, java.io.IOException {
            EventLoop loop = group.next();
            long periodNanos = TimeUnit.SECONDS.toNanos(1) / settings.ratePerSecond();
            for (int i = 0; i < settings.connections(); i++) {
                drivers.add(new ConnectionDriver(this, loop, i));
            }
            for (ConnectionDriver driver : drivers) {
                io.netty.channel.ChannelFuture connected = driver.connect().awaitUninterruptibly();
                if (!connected.isSuccess()) {
                    throw new java.io.IOException("cannot connect to " + settings.host() + ":" + settings.port()
                            + ": " + connected.cause().getMessage(), connected.cause());
                }
            }
            // Start a little ahead so every connection sees its first slot in the future.
            startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            endNanos = startNanos + settings.duration().toNanos();
            loop.execute(() -> drivers.forEach(d -> d.start(periodNanos)));
            long graceMillis = settings.duration().toMillis() + 10_000;
            boolean done = finished.await(graceMillis, TimeUnit.MILLISECONDS);
            // Read the counters on the loop thread: it is the only writer.
            return loop.submit(() -> summarize(done)).syncUninterruptibly().getNow();
        }

        LatencyResult summarize(boolean done) {
            long timeouts = 0;
            if (!done) {
                for (ConnectionDriver driver : drivers) {
                    if (!driver.finished && driver.inFlight) {
                        timeouts++;
                    }
                }
            }
            double seconds = settings.duration().toNanos() / 1e9;
            return new LatencyResult(settings.ratePerSecond(), completed / seconds, completed, errors, timeouts,
                    millis(corrected, 50), millis(corrected, 90), millis(corrected, 99), millis(corrected, 99.9),
                    corrected.getMaxValue() / 1000.0, millis(service, 50), millis(service, 99));
        }

        void closeAll() {
            for (ConnectionDriver driver : drivers) {
                driver.finished = true;
                if (driver.channel != null) {
                    driver.channel.close().syncUninterruptibly();
                }
            }
        }
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** One connection's schedule: request k is due at start + (index + k * connections) * period. */
    private static final class ConnectionDriver extends SimpleChannelInboundHandler<HttpObject> {
        final Run run;
        final EventLoop loop;
        final int index;
        long periodNanos;
        long sequence;
        long intendedNanos;
        long sentNanos;
        boolean inFlight;
        boolean failed;
        boolean finished;
        Channel channel;

        ConnectionDriver(Run run, EventLoop loop, int index) {
            this.run = run;
            this.loop = loop;
            this.index = index;
        }

        io.netty.channel.ChannelFuture connect() {
            Bootstrap b = run.bootstrap.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpResponseDecoder(), ConnectionDriver.this);
                }
            });
            io.netty.channel.ChannelFuture future = b.connect(run.settings.host(), run.settings.port());
            channel = future.channel();
            return future;
        }

        @Override
        public boolean isSharable() {
            return true; // re-added to a fresh channel after a reconnect
        }

        void start(long periodNanos) {
            this.periodNanos = periodNanos;
            this.intendedNanos = run.startNanos + index * periodNanos;
            scheduleNext();
        }

        void scheduleNext() {
            if (intendedNanos >= run.endNanos) {
                finish();
                return;
            }
            long delay = intendedNanos - System.nanoTime();
            if (delay > 0) {
                loop.schedule(this::send, delay, TimeUnit.NANOSECONDS);
            } else {
                send();
            }
        }

        void send() {
            if (finished) {
                return;
            }
            if (!channel.isActive()) {
                reconnectThenSend();
                return;
            }
            inFlight = true;
            failed = false;
            sentNanos = System.nanoTime();
            channel.writeAndFlush(run.request.duplicate(), channel.voidPromise());
        }

        void reconnectThenSend() {
            connect().addListener(f -> {
                if (f.isSuccess()) {
                    send();
                } else {
                    run.errors++; // the request due now could not even be sent
                    advance();
                }
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse response) {
                int status = response.status().code();
                failed = status < 200 || status >= 300 || msg.decoderResult().isFailure();
            }
            if (msg instanceof LastHttpContent && inFlight) {
                long now = System.nanoTime();
                inFlight = false;
                if (failed) {
                    run.errors++;
                } else {
                    run.completed++;
                    run.corrected.recordValue(Math.max(1, (now - intendedNanos) / 1000));
                    run.service.recordValue(Math.max(1, (now - sentNanos) / 1000));
                }
                advance();
            }
        }

        void advance() {
            sequence++;
            intendedNanos = run.startNanos + (index + sequence * run.settings.connections()) * periodNanos;
            scheduleNext();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != channel || finished) {
                return;
            }
            if (inFlight) {
                inFlight = false;
                run.errors++;
                advance(); // the next send reconnects
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        void finish() {
            if (!finished) {
                finished = true;
                run.finished.countDown();
            }
        }
    }
}
