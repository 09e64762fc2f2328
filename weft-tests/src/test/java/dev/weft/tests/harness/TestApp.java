package dev.weft.tests.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small app the test controls, on 127.0.0.1: answers by {@link Behaviour} and counts the requests it received.
 * A forwarder calls the next service through its sidecar, copying the headers apps propagate (trace ids and Weft's
 * retry marker and deadline), and answers with the status it got.
 */
public final class TestApp implements AutoCloseable {
    /** The headers a mesh app copies from its inbound request to its outbound calls. */
    public static final List<String> PROPAGATED = List.of("x-request-id", "traceparent", "x-weft-attempt",
            "x-weft-deadline-ms");

    public sealed interface Behaviour {}

    /** 200 always. */
    public record Healthy() implements Behaviour {}

    /** Every {@code every}-th request (1, 1+every, ...) gets 503, the rest 200: "fails 1 in every". */
    public record FailsEvery(int every) implements Behaviour {}

    /** {@code status} always. */
    public record Always(int status) implements Behaviour {}

    /** GETs {@code http://<authority><path>} through the sidecar and answers with that status. */
    public record Forward(String authority) implements Behaviour {}

    private final HttpServer server;
    private final AtomicLong requests = new AtomicLong();
    private volatile long delayMillis;
    /** The request bodies received, by path (the last one per path). */
    private final java.util.Map<String, String> bodies = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger retriesInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxRetriesInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final Behaviour behaviour;
    private final String name;
    private final HttpClient client;

    private TestApp(String name, int port, int outboundPort, Behaviour behaviour) {
        this.name = name;
        this.behaviour = behaviour;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort)))
                .connectTimeout(Duration.ofSeconds(2)).build();
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public static TestApp start(String name, int port, int outboundPort, Behaviour behaviour) {
        return new TestApp(name, port, outboundPort, behaviour);
    }

    /** Requests received since start (or the last {@link #reset()}). */
    public long requests() {
        return requests.get();
    }

    public void reset() {
        requests.set(0);
        maxRetriesInFlight.set(0);
    }

    /** The most requests marked as a retry ({@code x-weft-attempt} above 1) this app served at once. */
    public int maxRetriesInFlight() {
        return maxRetriesInFlight.get();
    }

    /** The body of the last request for {@code path}, or null when none arrived. */
    public String bodyOf(String path) {
        return bodies.get(path);
    }

    /** From now on every answer waits this long first (a slow upstream). */
    public void delay(long millis) {
        this.delayMillis = millis;
    }

    private void handle(HttpExchange exchange) throws IOException {
        long n = requests.incrementAndGet();
        byte[] requestBody = exchange.getRequestBody().readAllBytes();
        bodies.put(exchange.getRequestURI().getPath(), new String(requestBody, StandardCharsets.UTF_8));
        String attempt = exchange.getRequestHeaders().getFirst("x-weft-attempt");
        boolean isRetry = attempt != null && !attempt.equals("1");
        if (isRetry) {
            maxRetriesInFlight.accumulateAndGet(retriesInFlight.incrementAndGet(), Math::max);
        }
        try {
            if (delayMillis > 0) {
                sleep(delayMillis);
            }
            answer(exchange, n);
        } finally {
            if (isRetry) {
                retriesInFlight.decrementAndGet();
            }
        }
    }

    private void answer(HttpExchange exchange, long n) throws IOException {
        int status = switch (behaviour) {
            case Healthy h -> 200;
            case FailsEvery f -> (n - 1) % f.every() == 0 ? 503 : 200;
            case Always a -> a.status();
            case Forward f -> forward(f, exchange);
        };
        byte[] body = (name + " " + status + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int forward(Forward f, HttpExchange inbound) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + f.authority()
                + inbound.getRequestURI())).timeout(Duration.ofSeconds(10));
        for (String header : PROPAGATED) {
            String value = inbound.getRequestHeaders().getFirst(header);
            if (value != null) {
                request.header(header, value);
            }
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 502;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 502;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        client.close();
    }
}
