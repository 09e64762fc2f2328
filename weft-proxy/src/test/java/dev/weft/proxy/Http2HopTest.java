package dev.weft.proxy;

import static dev.weft.proxy.TestConfigs.forward;
import static dev.weft.proxy.TestConfigs.host;
import static dev.weft.proxy.TestConfigs.prefix;
import static dev.weft.proxy.TestConfigs.route;
import static dev.weft.proxy.TestConfigs.snapshot;
import static dev.weft.proxy.TestConfigs.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two proxy runtimes as two sidecars: an HTTP/1.1 (or h2c) client → client sidecar → [counting TCP relay] → server
 * sidecar → HTTP/1.1 backend. The relay sees what really crosses the sidecar-to-sidecar hop.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Http2HopTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private TestBackend backend;
    private ProxyRuntime serverSidecar;
    private ProxyRuntime clientSidecar;
    private CountingRelay relay;
    private int clientPort;
    private int serverPort;

    @BeforeEach
    void start() throws IOException {
        backend = new TestBackend("app");
        serverSidecar = new ProxyRuntime(new DefaultClusterManager());
        serverSidecar.apply(snapshot(List.of(host("inbound", List.of("*"), route("all", prefix("/"), forward("app")))),
                staticCluster("app", backend.port())));
        serverPort = serverSidecar.listenerPort("outbound");
        relay = new CountingRelay(serverPort);
        clientSidecar = new ProxyRuntime(new DefaultClusterManager());
        Endpoint peer = new Endpoint("127.0.0.1", relay.port(), 1, true, true, Map.of());
        clientSidecar.apply(snapshot(List.of(host("reviews", List.of("*"), route("all", prefix("/"),
                forward("peer")))), TestConfigs.cluster("peer", List.of(peer))));
        clientPort = clientSidecar.listenerPort("outbound");
    }

    @AfterEach
    void stop() throws IOException {
        clientSidecar.close();
        serverSidecar.close();
        relay.close();
        backend.close();
    }

    @Test
    void http1RequestsFromManyConnectionsShareOneHttp2ConnectionPerEventLoop() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort + "/r/" + i))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < calls.size(); i++) {
            HttpResponse<String> r = calls.get(i).get(15, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.headers().firstValue("x-backend")).contains("app");
            assertThat(r.body()).contains("method=GET\npath=/r/" + i + "\n");
        }
        // the backend (HTTP/1.1 again) saw a normal request with the original authority and no HTTP/2 leftovers
        assertThat(calls.get(0).get().body()).doesNotContainIgnoringCase("x-http2");
        int loops = Runtime.getRuntime().availableProcessors();
        assertThat(relay.connections.get()).isBetween(1, loops);
        assertThat(relay.prefaces).allSatisfy(p -> assertThat(p).isEqualTo(PREFACE));
    }

    @Test
    void anHttp2ConnectionWithoutStreamsClosesAfterTheClustersIdleTimeout() throws Exception {
        Endpoint peer = new Endpoint("127.0.0.1", relay.port(), 1, true, true, Map.of());
        clientSidecar.apply(snapshot(List.of(host("reviews", List.of("*"), route("all", prefix("/"),
                forward("peer")))), new dev.weft.dataplane.config.ClusterConfig("peer",
                dev.weft.dataplane.config.ClusterConfig.DiscoveryType.STATIC, null,
                new dev.weft.dataplane.config.EndpointSet("peer", List.of(peer)),
                dev.weft.dataplane.config.ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(2), 0, false,
                null, null, null, new dev.weft.dataplane.pool.ConnectionPoolConfig(Duration.ofSeconds(1), 0, null,
                null), null)));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort
                    + "/idle/" + i)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        int opened = relay.connections.get();
        assertThat(opened).isPositive();
        // idle 1 s: every connection the client sidecar opened is closed by it (its side of the relay ends)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (relay.closedByClient.get() < opened && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(relay.closedByClient.get()).as("connections closed by the idle client sidecar").isEqualTo(opened);
        HttpResponse<String> again = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort
                + "/idle/again")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).as("a new connection after the idle close").isEqualTo(200);
    }

    /**
     * The keep-alive race on the sidecar hop: the peer closes the pooled HTTP/2 connection (no GOAWAY) just as the
     * next request goes out on it. An idempotent request goes once more on a new connection, unseen by the client and
     * counted; a POST is not sent twice behind the client's back.
     */
    @Test
    void aRequestOnAReusedHttp2ConnectionThePeerClosesGoesAgainOnANewOneUnlessNotIdempotent() throws Exception {
        var connections = clientSidecar.clusters().get("peer").connections();
        try (RawHttpClient c = new RawHttpClient(clientPort)) { // one downstream connection: one loop, one pool
            assertThat(c.get("/first", "Host: reviews").status()).isEqualTo(200);
            assertThat(relay.connections.get()).isEqualTo(1);

            hangUpOnTheNextRequestOnceQuiet();
            RawHttpClient.Response second = c.get("/second", "Host: reviews");
            assertThat(second.status()).as("%s", second.text()).isEqualTo(200);
            assertThat(second.echoed("path")).isEqualTo("/second");
            assertThat(relay.connections.get()).as("a new connection for the request sent again").isEqualTo(2);
            assertThat(connections.reusedConnectionReplaysTotal()).isEqualTo(1);

            hangUpOnTheNextRequestOnceQuiet();
            c.sendHead("POST", "/pay", "Host: reviews", "Content-Length: 0");
            RawHttpClient.Response post = c.readResponse(false);
            assertThat(post.status()).isEqualTo(503);
            assertThat(post.header("x-weft-response-flags")).isEqualTo("UC");
            assertThat(connections.reusedConnectionReplaysTotal()).as("a POST is never replayed").isEqualTo(1);
        }
    }

    /** Arms the relay once no byte crossed for a while, so the close meets the next request, not a late frame. */
    private void hangUpOnTheNextRequestOnceQuiet() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> System.nanoTime() - relay.lastByteNanos > TimeUnit.MILLISECONDS.toNanos(300));
        relay.hangUpOnNextRequest.set(true);
    }

    @Test
    void curlWithHttp2PriorKnowledgeGetsHttp2AtEitherSidecar() throws Exception {
        String viaBoth = curl("--http2-prior-knowledge", "http://127.0.0.1:" + clientPort + "/hello");
        assertThat(viaBoth).startsWith("HTTP/2 200").contains("x-backend: app").contains("path=/hello")
                .doesNotContain("transfer-encoding").doesNotContain("x-http2");
        String http1 = curl("--http1.1", "http://127.0.0.1:" + clientPort + "/hello");
        assertThat(http1).startsWith("HTTP/1.1 200").contains("path=/hello");
        String post = curl("--http2-prior-knowledge", "--data-binary", "abc".repeat(30_000),
                "http://127.0.0.1:" + serverPort + "/upload");
        assertThat(post).startsWith("HTTP/2 200");
    }

    @Test
    void h2loadThroughBothSidecars() throws Exception {
        Process p = new ProcessBuilder("h2load", "-n", "400", "-c", "4", "-m", "10",
                "http://127.0.0.1:" + clientPort + "/load").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("400 succeeded, 0 failed, 0 errored").contains("status codes: 400 2xx");
        assertThat(relay.connections.get()).isBetween(1, Runtime.getRuntime().availableProcessors());
    }

    @Test
    void slowReaderStallsTheStreamInsteadOfBuffering() throws Exception {
        // 32 MB through both sidecars to a reader that stops after the first bytes: flow control must hold the
        // sender back; then the reader drains and everything arrives intact
        long total = 32L * 1024 * 1024;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), clientPort)) {
            s.getOutputStream().write(("GET /download?bytes=" + total + " HTTP/1.1\r\nHost: reviews\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] head = new byte[4096];
            assertThat(in.read(head)).isPositive();
            Thread.sleep(1500);
            long relayed = relay.bytesToClient.get();
            assertThat(relayed).as("bytes that crossed the sidecar hop while the reader paused").isLessThan(8L << 20);
            long read = 0;
            byte[] buf = new byte[256 * 1024];
            int n;
            s.setSoTimeout(5000);
            while ((n = readOrReport(in, buf, read)) > 0) {
                read += n;
                if (read >= total) {
                    break;
                }
            }
            assertThat(read).isGreaterThanOrEqualTo(total);
        }
    }

    private int readOrReport(InputStream in, byte[] buf, long readSoFar) throws IOException {
        try {
            return in.read(buf);
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("stalled after " + readSoFar + " bytes; relayed " + relay.bytesToClient.get(), e);
        }
    }

    private static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-i", "--max-time", "10"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** A TCP relay that counts connections and records the first bytes of each. */
    static final class CountingRelay implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        final List<byte[]> prefaces = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicLong bytesToClient = new java.util.concurrent.atomic.AtomicLong();
        /** Connections whose client side (the client sidecar) closed. */
        final AtomicInteger closedByClient = new AtomicInteger();
        /** When the last byte crossed either way (System.nanoTime). */
        volatile long lastByteNanos = System.nanoTime();
        /**
         * Set by a test: the next bytes from the client sidecar are not passed on, the connection is closed instead —
         * a server that hangs up on an idle connection just as the next request arrives.
         */
        final java.util.concurrent.atomic.AtomicBoolean hangUpOnNextRequest = new java.util.concurrent.atomic.AtomicBoolean();
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        CountingRelay(int target) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket in = server.accept();
                        Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                        in.setTcpNoDelay(true); // like the proxies: small frames (WINDOW_UPDATE) go out at once
                        out.setTcpNoDelay(true);
                        sockets.add(in);
                        sockets.add(out);
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> pipe(in, out, true));
                        Thread.ofVirtual().start(() -> pipe(out, in, false));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void pipe(Socket from, Socket to, boolean recordPreface) {
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                if (recordPreface) {
                    prefaces.add(in.readNBytes(PREFACE.length));
                    out.write(prefaces.getLast());
                }
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    lastByteNanos = System.nanoTime();
                    if (recordPreface && hangUpOnNextRequest.compareAndSet(true, false)) {
                        closeQuietly(to);
                        closeQuietly(from);
                        return;
                    }
                    out.write(buf, 0, n);
                    if (!recordPreface) {
                        bytesToClient.addAndGet(n);
                    }
                }
                if (recordPreface) {
                    closedByClient.incrementAndGet();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                closeQuietly(to);
            }
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                closeQuietly(s);
            }
        }
    }
}
