package dev.weft.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running sample service on 127.0.0.1, knowing nothing about Weft: it only calls other services through an
 * HTTP proxy if given one, which is what a sidecar's outbound listener is. Ratings speaks gRPC; the others HTTP/1.1.
 *
 * <p>Command line: {@code DemoService --service NAME --version V --port P [--proxy HOST:PORT]}; without
 * {@code --proxy}, the {@code WEFT_PROXY} environment variable (HOST:PORT) is used when set.
 */
public final class DemoService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DemoService.class);

    private final DemoServiceOptions options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final io.grpc.Server grpcServer;
    private final RatingsClient ratingsClient;
    private final AtomicLong served;

    private DemoService(DemoServiceOptions options, HttpServer server, ExecutorService executor,
                        io.grpc.Server grpcServer, RatingsClient ratingsClient, AtomicLong served) {
        this.served = served;
        this.options = options;
        this.server = server;
        this.executor = executor;
        this.grpcServer = grpcServer;
        this.ratingsClient = ratingsClient;
    }

    /** Starts the service; it answers as soon as this returns. */
    public static DemoService start(DemoServiceOptions options) throws IOException {
        if (options.service().equals("ratings")) {
            return startRatings(options);
        }
        RatingsClient ratings = options.service().equals("reviews") ? new RatingsClient(options.proxy()) : null;
        SampleApps.ExchangeHandler app = SampleApps.create(options, new MeshCaller(options.proxy()), ratings);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), 256);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        DemoService service = new DemoService(options, server, executor, null, ratings, new AtomicLong());
        server.createContext("/", exchange -> service.serve(app, exchange));
        server.setExecutor(executor);
        server.start();
        log.info("{} {} listening on 127.0.0.1:{}{}", options.service(), options.version(), service.port(),
                options.proxy() == null ? "" : ", calling peers through proxy " + options.proxy().getHostString() + ":" + options.proxy().getPort());
        return service;
    }

    /** Ratings answers gRPC ({@code weft.demo.Ratings/GetRatings}) on its port, nothing else. */
    private static DemoService startRatings(DemoServiceOptions options) throws IOException {
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        AtomicLong served = new AtomicLong();
        io.grpc.Server grpc = io.grpc.netty.NettyServerBuilder
                .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()))
                .executor(executor)
                .addService(RatingsGrpc.service(options.version(), served))
                .build()
                .start();
        DemoService service = new DemoService(options, null, executor, grpc, null, served);
        log.info("{} {} serving gRPC {} on 127.0.0.1:{}", options.service(), options.version(), RatingsGrpc.SERVICE,
                grpc.getPort());
        return service;
    }

    private void serve(SampleApps.ExchangeHandler app, HttpExchange exchange) {
        try (exchange) {
            served.incrementAndGet();
            exchange.getResponseHeaders().set("x-demo-service", options.service());
            exchange.getResponseHeaders().set("x-demo-version", options.version());
            app.handle(exchange);
        } catch (Exception e) {
            log.warn("{} {} failed on {} {}: {}", options.service(), options.version(), exchange.getRequestMethod(),
                    exchange.getRequestURI(), e.toString());
            try {
                ObjectNode error = SampleApps.identity(options.service(), options.version());
                error.put("error", e.toString());
                Json.send(exchange, 500, error);
            } catch (IOException | RuntimeException ignored) {
                // headers were already sent; closing the exchange is all that is left
            }
        }
    }

    public int port() {
        return server != null ? server.getAddress().getPort() : grpcServer.getPort();
    }

    public DemoServiceOptions options() {
        return options;
    }

    /** Requests handled so far. */
    public long served() {
        return served.get();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        if (grpcServer != null) {
            grpcServer.shutdownNow();
        }
        if (ratingsClient != null) {
            ratingsClient.close();
        }
        executor.shutdownNow();
    }

    public static void main(String[] args) throws Exception {
        DemoServiceOptions options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: DemoService --service productpage|details|reviews|ratings|echo --version V --port P [--proxy HOST:PORT]");
            System.exit(2);
            return;
        }
        DemoService service = start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "demo-service-shutdown"));
        stopped.await();
    }

    static DemoServiceOptions parse(String[] args) {
        String service = null;
        String version = "v1";
        int port = 0;
        String proxy = System.getenv("WEFT_PROXY");
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--service" -> service = value;
                case "--version" -> version = value;
                case "--port" -> port = Integer.parseInt(value);
                case "--proxy" -> proxy = value;
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (service == null) {
            throw new IllegalArgumentException("--service is required");
        }
        return new DemoServiceOptions(service, version, port,
                proxy == null || proxy.isBlank() ? null : DemoServiceOptions.parseHostPort(proxy));
    }
}
