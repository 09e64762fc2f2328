package dev.weft.proxy;

import static dev.weft.proxy.TestConfigs.forward;
import static dev.weft.proxy.TestConfigs.header;
import static dev.weft.proxy.TestConfigs.host;
import static dev.weft.proxy.TestConfigs.prefix;
import static dev.weft.proxy.TestConfigs.route;
import static dev.weft.proxy.TestConfigs.snapshot;
import static dev.weft.proxy.TestConfigs.staticCluster;
import static dev.weft.proxy.TestConfigs.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.HeaderMutations.Header;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.VirtualHost;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The data path through real sockets: a downstream raw client, the proxy runtime, and JDK HTTP backends. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DataPathTest {
    private TestBackend v1;
    private TestBackend v2;
    private ProxyRuntime proxy;

    @BeforeEach
    void start() throws IOException {
        v1 = new TestBackend("v1");
        v2 = new TestBackend("v2");
        proxy = new ProxyRuntime(new DefaultClusterManager());
    }

    @AfterEach
    void stop() {
        // every request that started on a host ended on it, whatever way it ended (success, timeout, reset...)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            for (var cluster : proxy.clusters().all()) {
                for (var h : cluster.hosts()) {
                    assertThat(h.activeRequests()).as("active requests on %s", h).isZero();
                }
            }
        });
        proxy.close();
        v1.close();
        v2.close();
    }

    private int apply(List<VirtualHost> hosts, dev.weft.dataplane.config.ClusterConfig... clusters) {
        proxy.apply(snapshot(hosts, clusters));
        return proxy.listenerPort("outbound");
    }

    private int reviewsOnV1() {
        return apply(List.of(host("reviews", List.of("reviews", "reviews.default.svc.cluster.local"),
                route("all", prefix("/"), forward("v1")))), staticCluster("v1", v1.port()));
    }

    @Test
    void routesByHostPathAndHeader() throws IOException {
        int port = apply(List.of(
                host("reviews", List.of("reviews"),
                        route("jason", header("/", "end-user", "jason"), forward("v2")),
                        route("api", prefix("/api"), forward("v2")),
                        route("rest", prefix("/"), forward("v1"))),
                host("details", List.of("details.default.svc.cluster.local"), route("all", prefix("/"),
                        forward("v2")))),
                staticCluster("v1", v1.port()), staticCluster("v2", v2.port()));
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/", "Host: reviews:9080").header("x-backend")).isEqualTo("v1");
            assertThat(c.get("/", "Host: reviews", "end-user: jason").header("x-backend")).isEqualTo("v2");
            assertThat(c.get("/api/x", "Host: reviews").header("x-backend")).isEqualTo("v2");
            assertThat(c.get("/", "Host: details.default.svc.cluster.local").header("x-backend")).isEqualTo("v2");
        }
    }

    @Test
    void anEndpointRemovedFromALiveClusterHasItsIdleConnectionClosed() throws Exception {
        int port = apply(List.of(host("reviews", List.of("reviews"), route("all", prefix("/"), forward("reviews")))),
                staticCluster("reviews", v1.port()));
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/", "Host: reviews").header("x-backend")).isEqualTo("v1");
        }
        var connections = proxy.clusters().get("reviews").connections();
        assertThat(connections.activeConnections()).as("the keep-alive connection to v1, idle").isEqualTo(1);

        // The same cluster, its endpoint replaced (a pod went away and another came): the old connection must go.
        apply(List.of(host("reviews", List.of("reviews"), route("all", prefix("/"), forward("reviews")))),
                staticCluster("reviews", v2.port()));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(connections.activeConnections()).as("connections to the removed endpoint").isZero());
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/", "Host: reviews").header("x-backend")).isEqualTo("v2");
        }
        assertThat(connections.activeConnections()).as("one connection, to the endpoint that stayed").isEqualTo(1);
        assertThat(proxy.upstreamPools().pooledClusters()).isEqualTo(1);
    }

    @Test
    void aClusterRemovedByAConfigUpdateLeavesNoPoolAndItsIdleConnectionCloses() throws Exception {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/", "Host: reviews").header("x-backend")).isEqualTo("v1");
        }
        var v1Connections = proxy.clusters().get("v1").connections();
        assertThat(proxy.upstreamPools().pooledClusters()).isEqualTo(1);
        assertThat(v1Connections.activeConnections()).as("the keep-alive connection to v1, idle").isEqualTo(1);

        apply(List.of(host("reviews", List.of("reviews"), route("all", prefix("/"), forward("v2")))),
                staticCluster("v2", v2.port()));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(proxy.upstreamPools().pooledClusters()).as("clusters with per-loop pools").isZero();
            assertThat(v1Connections.activeConnections()).as("connections to the removed cluster").isZero();
        });
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/", "Host: reviews").header("x-backend")).isEqualTo("v2");
        }
        assertThat(proxy.upstreamPools().pooledClusters()).isEqualTo(1);
    }

    @Test
    void absoluteFormRequestsAreProxiedInOriginForm() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response r = c.get("http://reviews:9080/ratings?x=1", "Host: reviews:9080",
                    "Proxy-Connection: keep-alive");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.echoed("path")).isEqualTo("/ratings?x=1");
            assertThat(r.echoed("header.host")).isEqualTo("reviews:9080");
            assertThat(r.echoed("header.proxy-connection")).isNull();
        }
    }

    @Test
    void weightedSplitFollowsWeights() throws IOException {
        int port = apply(List.of(host("reviews", List.of("*"), route("split", prefix("/"),
                        forward(List.of(weighted("v1", 80), weighted("v2", 20)), Duration.ZERO)))),
                staticCluster("v1", v1.port()), staticCluster("v2", v2.port()));
        Map<String, Integer> counts = new HashMap<>();
        try (RawHttpClient c = new RawHttpClient(port)) {
            for (int i = 0; i < 1000; i++) {
                counts.merge(c.get("/", "Host: reviews").header("x-backend"), 1, Integer::sum);
            }
        }
        assertThat(counts.get("v1")).isBetween(750, 850);
        assertThat(counts.get("v2")).isBetween(150, 250);
    }

    @Test
    void noRouteIs404NamingHostAndPath() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response r = c.get("/missing", "Host: ratings:9080");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.header("x-weft-response-flags")).isEqualTo("NR");
            assertThat(r.text()).contains("ratings:9080", "/missing");
            // the connection stays usable
            assertThat(c.get("/", "Host: reviews").status()).isEqualTo(200);
        }
    }

    @Test
    void unknownClusterIs503NcAndNoHealthyHostIs503Uh() throws IOException {
        var unhealthy = TestConfigs.cluster("down", List.of(new Endpoint("127.0.0.1", v1.port(), 1, false, false,
                Map.of())));
        int port = apply(List.of(host("h", List.of("*"),
                        route("nc", prefix("/nc"), forward("nowhere")),
                        route("uh", prefix("/uh"), forward("down")))),
                unhealthy);
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response nc = c.get("/nc", "Host: h");
            assertThat(nc.status()).isEqualTo(503);
            assertThat(nc.header("x-weft-response-flags")).isEqualTo("NC");
            RawHttpClient.Response uh = c.get("/uh", "Host: h");
            assertThat(uh.status()).isEqualTo(503);
            assertThat(uh.header("x-weft-response-flags")).isEqualTo("UH");
        }
    }

    @Test
    void refusedConnectionIs503Uf() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        int port = apply(List.of(host("h", List.of("*"), route("r", prefix("/"), forward("gone")))),
                staticCluster("gone", closedPort));
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response r = c.get("/", "Host: h");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("x-weft-response-flags")).isEqualTo("UF");
            assertThat(r.text()).contains("connection failure");
        }
    }

    @Test
    void upstreamResetBeforeResponseIs503Uc() throws Exception {
        try (ServerSocket rude = new ServerSocket(0)) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!rude.isClosed()) {
                    try (Socket s = rude.accept()) {
                        s.getInputStream().read(new byte[1024]); // read the request, then hang up
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            int port = apply(List.of(host("h", List.of("*"), route("r", prefix("/"), forward("rude")))),
                    staticCluster("rude", rude.getLocalPort()));
            try (RawHttpClient c = new RawHttpClient(port)) {
                RawHttpClient.Response r = c.get("/", "Host: h");
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.header("x-weft-response-flags")).isEqualTo("UC");
            }
            acceptor.interrupt();
        }
    }

    /** A backend that answers the first request of each connection, then hangs up on the next one unanswered. */
    private static Thread oneRequestPerConnectionServer(ServerSocket server) {
        return Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                                    StandardCharsets.ISO_8859_1));
                            String line;
                            while ((line = in.readLine()) != null && !line.isEmpty()) {
                                // request head of a body-less request
                            }
                            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-backend: flaky\r\n"
                                    + "\r\nok").getBytes(StandardCharsets.ISO_8859_1));
                            s.getOutputStream().flush();
                            while ((line = in.readLine()) != null && !line.isEmpty()) {
                                // the next request arrives on the kept-alive connection: close without answering
                            }
                        } catch (IOException e) {
                            // connection gone
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @Test
    void idempotentRequestOnAConnectionClosedAtReuseIsSentAgainOnANewOne() throws Exception {
        try (ServerSocket flaky = new ServerSocket(0)) {
            Thread acceptor = oneRequestPerConnectionServer(flaky);
            int port = apply(List.of(host("h", List.of("*"), route("r", prefix("/"), forward("flaky")))),
                    staticCluster("flaky", flaky.getLocalPort()));
            try (RawHttpClient c = new RawHttpClient(port)) {
                for (int i = 0; i < 3; i++) {
                    RawHttpClient.Response r = c.get("/", "Host: h");
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.text()).isEqualTo("ok");
                }
                // the 2nd and 3rd went again on a new connection each, counted (not a retry policy's retry)
                var flakyCluster = proxy.clusters().get("flaky");
                assertThat(flakyCluster.connections().reusedConnectionReplaysTotal()).isEqualTo(2);
                assertThat(flakyCluster.traffic().retriesTotal()).isZero();
                // not idempotent: never sent twice behind the client's back
                c.sendHead("POST", "/", "Host: h", "Content-Length: 0");
                RawHttpClient.Response post = c.readResponse(false);
                assertThat(post.status()).isEqualTo(503);
                assertThat(post.header("x-weft-response-flags")).isEqualTo("UC");
                assertThat(flakyCluster.connections().reusedConnectionReplaysTotal()).isEqualTo(2);
            }
            acceptor.interrupt();
        }
    }

    @Test
    void routeTimeoutIs504Ut() throws IOException {
        int port = apply(List.of(host("h", List.of("*"), route("r", prefix("/"),
                        forward(List.of(weighted("v1", 1)), Duration.ofMillis(300))))),
                staticCluster("v1", v1.port()));
        try (RawHttpClient c = new RawHttpClient(port)) {
            long start = System.nanoTime();
            RawHttpClient.Response r = c.get("/slow?ms=3000", "Host: h");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.header("x-weft-response-flags")).isEqualTo("UT");
            assertThat(tookMs).isLessThan(2500);
            assertThat(c.get("/slow?ms=10", "Host: h").status()).isEqualTo(200);
        }
    }

    @Test
    void keepAliveReusesUpstreamConnections() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            for (int i = 0; i < 20; i++) {
                assertThat(c.get("/", "Host: reviews").status()).isEqualTo(200);
            }
        }
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/", "Host: reviews").status()).isEqualTo(200);
        }
        // two downstream connections, possibly on two event loops: at most one upstream connection per loop
        assertThat(v1.clientPorts.size()).isBetween(1, 2);
    }

    @Test
    void headResponsesHaveNoBody() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response head = c.exchange("HEAD", "/", "Host: reviews");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isNotNull();
            assertThat(Integer.parseInt(head.header("content-length"))).isPositive();
            // if the proxy had sent a body, this next response would be garbled
            RawHttpClient.Response next = c.get("/after-head", "Host: reviews");
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.echoed("path")).isEqualTo("/after-head");
        }
    }

    @Test
    void expectContinueIsAnsweredOnlyWhenForwarding() throws IOException {
        int port = reviewsOnV1();
        byte[] body = "hello body".getBytes(StandardCharsets.UTF_8);
        try (RawHttpClient c = new RawHttpClient(port)) {
            c.sendHead("POST", "/upload", "Host: reviews", "Content-Length: " + body.length,
                    "Expect: 100-continue");
            RawHttpClient.Response interim = c.readResponse(false);
            assertThat(interim.status()).isEqualTo(100);
            c.write(body);
            RawHttpClient.Response r = c.readResponse(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).startsWith("bytes=" + body.length + " ");
        }
        try (RawHttpClient c = new RawHttpClient(port)) {
            c.sendHead("POST", "/upload", "Host: nobody", "Content-Length: " + body.length, "Expect: 100-continue");
            RawHttpClient.Response r = c.readResponse(false);
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void requestIdIsGeneratedWhenAbsentAndKeptWhenPresent() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            String generated = c.get("/", "Host: reviews").echoed("header.x-request-id");
            assertThat(generated).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            assertThat(c.get("/", "Host: reviews", "x-request-id: abc-123").echoed("header.x-request-id"))
                    .isEqualTo("abc-123");
        }
    }

    @Test
    void forwardedHeadersAreSetAndHopByHopHeadersRemoved() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response r = c.get("/", "Host: reviews", "X-Forwarded-For: 203.0.113.9",
                    "Connection: keep-alive, x-private", "x-private: secret", "Keep-Alive: timeout=5",
                    "TE: trailers");
            assertThat(r.echoed("header.x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
            assertThat(r.echoed("header.x-forwarded-proto")).isEqualTo("http");
            assertThat(r.echoed("header.x-private")).isNull();
            assertThat(r.echoed("header.keep-alive")).isNull();
            assertThat(r.echoed("header.te")).isNull();
            RawHttpClient.Response fresh = c.get("/", "Host: reviews");
            assertThat(fresh.echoed("header.x-forwarded-for")).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void aRequestWithAnInvalidHeaderNameIsRefused() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            // the proxy trusts its own constant header names, never a client's: this one is not an RFC 9110 token
            RawHttpClient.Response r = c.get("/", "Host: reviews", "x@smuggle: 1");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("x-weft-response-flags")).isEqualTo("DPE");
        }
    }

    @Test
    void headerMutationsApplyAtEveryLevel() throws IOException {
        HeaderMutations vhostReq = new HeaderMutations(List.of(new Header("x-vhost", "1"),
                new Header("x-level", "vhost")), List.of(), List.of("x-drop-me"));
        HeaderMutations routeReq = new HeaderMutations(List.of(new Header("x-level", "route")),
                List.of(new Header("x-added", "a")), List.of());
        HeaderMutations clusterReq = new HeaderMutations(List.of(new Header("x-cluster", "v1")), List.of(),
                List.of());
        HeaderMutations routeResp = new HeaderMutations(List.of(new Header("x-resp", "yes")), List.of(),
                List.of("x-backend"));
        RouteAction.Forward fwd = TestConfigs.forward(List.of(new RouteAction.WeightedCluster("v1", 1, clusterReq,
                HeaderMutations.NONE)), Duration.ZERO);
        VirtualHost vh = new VirtualHost("reviews", List.of("*"), List.of(new Route("r", prefix("/"), fwd, routeReq,
                routeResp)), vhostReq, HeaderMutations.NONE);
        int port = apply(List.of(vh), staticCluster("v1", v1.port()));
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response r = c.get("/", "Host: reviews", "x-drop-me: 1", "x-added: z");
            assertThat(r.echoed("header.x-vhost")).isEqualTo("1");
            assertThat(r.echoed("header.x-level")).isEqualTo("route");
            assertThat(r.echoed("header.x-added")).isEqualTo("z,a");
            assertThat(r.echoed("header.x-cluster")).isEqualTo("v1");
            assertThat(r.echoed("header.x-drop-me")).isNull();
            assertThat(r.header("x-resp")).isEqualTo("yes");
            assertThat(r.header("x-backend")).isNull();
        }
    }

    @Test
    void redirectsDirectResponsesAndRewrites() throws IOException {
        RouteAction.Forward rewrite = new RouteAction.Forward(List.of(weighted("v1", 1)), "/v2/", null,
                "ratings.internal", Duration.ZERO, List.of(), null);
        int port = apply(List.of(host("h", List.of("*"),
                        route("redirect", prefix("/old"), new RouteAction.Redirect(null, "new.example", 0, "/new",
                                null, 302, false)),
                        route("direct", prefix("/health"), new RouteAction.DirectResponse(200, "ok from proxy")),
                        route("rewrite", prefix("/v1/"), rewrite))),
                staticCluster("v1", v1.port()));
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response redirect = c.get("/old?q=1", "Host: shop");
            assertThat(redirect.status()).isEqualTo(302);
            assertThat(redirect.header("location")).isEqualTo("http://new.example/new?q=1");
            RawHttpClient.Response direct = c.get("/health", "Host: shop");
            assertThat(direct.status()).isEqualTo(200);
            assertThat(direct.text()).isEqualTo("ok from proxy");
            RawHttpClient.Response rewritten = c.get("/v1/items?id=3", "Host: shop");
            assertThat(rewritten.echoed("path")).isEqualTo("/v2/items?id=3");
            assertThat(rewritten.echoed("header.host")).isEqualTo("ratings.internal");
        }
    }

    @Test
    void largeChunkedUploadStreamsWithBackpressure() throws Exception {
        int port = reviewsOnV1();
        long size = 50L << 20;
        byte[] block = new byte[64 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 7);
        }
        long expectedSum = 0;
        for (long sent = 0; sent < size; sent += block.length) {
            for (byte b : block) {
                expectedSum = expectedSum * 31 + b;
            }
        }
        DirectMemoryWatch watch = DirectMemoryWatch.start();
        try (RawHttpClient c = new RawHttpClient(port)) {
            // the backend pauses every MiB, so the client outruns it: only backpressure keeps the proxy's memory flat
            c.sendHead("POST", "/upload?pauseMsPerMb=20", "Host: reviews", "Transfer-Encoding: chunked");
            for (long sent = 0; sent < size; sent += block.length) {
                c.writeChunk(block, block.length);
            }
            c.endChunks();
            RawHttpClient.Response r = c.readResponse(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text().trim()).isEqualTo("bytes=" + size + " sum=" + expectedSum);
        } finally {
            watch.stop();
        }
        assertThat(watch.maxGrowthBytes()).isLessThan(24L << 20);
    }

    @Test
    void largeDownloadStreamsWithBackpressure() throws Exception {
        int port = reviewsOnV1();
        long size = 50L << 20;
        DirectMemoryWatch watch = DirectMemoryWatch.start();
        try (RawHttpClient c = new RawHttpClient(port)) {
            c.sendHead("GET", "/download?bytes=" + size, "Host: reviews");
            RawHttpClient.Response r = c.readResponse(false, 0, 20); // a slow reader
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("bytes=" + size);
            assertThat(c.get("/", "Host: reviews").status()).isEqualTo(200);
        } finally {
            watch.stop();
        }
        assertThat(watch.maxGrowthBytes()).isLessThan(24L << 20);
    }

    @Test
    void routeChangeAppliesToNewRequestsWithoutRebindingOrDroppingInFlight() throws Exception {
        int port = reviewsOnV1();
        CompletableFuture<RawHttpClient.Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try (RawHttpClient c = new RawHttpClient(port)) {
                return c.get("/slow?ms=800", "Host: reviews");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        ConfigSnapshot changed = snapshot(List.of(host("reviews", List.of("reviews"),
                route("all", prefix("/"), forward("v2")))), staticCluster("v2", v2.port()));
        proxy.apply(changed);
        assertThat(proxy.listenerPort("outbound")).isEqualTo(port);
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/", "Host: reviews").header("x-backend")).isEqualTo("v2");
        }
        RawHttpClient.Response old = inFlight.get(5, TimeUnit.SECONDS);
        assertThat(old.status()).isEqualTo(200);
        assertThat(old.header("x-backend")).isEqualTo("v1");
    }

    @Test
    void dnsClusterHostsAreResolvedAtConnectTime() throws IOException {
        var dns = new dev.weft.dataplane.config.ClusterConfig("dns", dev.weft.dataplane.config.ClusterConfig
                .DiscoveryType.STRICT_DNS, null, new dev.weft.dataplane.config.EndpointSet("dns", List.of(
                new Endpoint("localhost", v1.port(), 1, true, false, Map.of()))),
                dev.weft.dataplane.config.ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(2));
        int port = apply(List.of(host("h", List.of("*"), route("r", prefix("/"), forward("dns")))), dns);
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/", "Host: h").header("x-backend")).isEqualTo("v1");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            c.write(("GET /one HTTP/1.1\r\nHost: reviews\r\n\r\n"
                    + "POST /upload HTTP/1.1\r\nHost: reviews\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /three HTTP/1.1\r\nHost: reviews\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readResponse(false).echoed("path")).isEqualTo("/one");
            assertThat(c.readResponse(false).text()).startsWith("bytes=5 ");
            assertThat(c.readResponse(false).echoed("path")).isEqualTo("/three");
        }
    }

    @Test
    void headerHashPolicyKeepsAUserOnOneEndpoint() throws IOException {
        TestBackend v3 = new TestBackend("v3");
        try {
            var ring = new dev.weft.dataplane.config.ClusterConfig("ring", dev.weft.dataplane.config.ClusterConfig
                    .DiscoveryType.STATIC, null, new dev.weft.dataplane.config.EndpointSet("ring", List.of(
                    new Endpoint("127.0.0.1", v1.port(), 1, true, false, Map.of()),
                    new Endpoint("127.0.0.1", v2.port(), 1, true, false, Map.of()),
                    new Endpoint("127.0.0.1", v3.port(), 1, true, false, Map.of()))),
                    dev.weft.dataplane.config.ClusterConfig.LbPolicy.RING_HASH, 0, Duration.ofSeconds(2));
            RouteAction.Forward byUser = new RouteAction.Forward(List.of(weighted("ring", 1)), null, null, null,
                    Duration.ZERO, List.of(new dev.weft.dataplane.config.HashPolicy.Header("x-user", false)), null);
            int port = apply(List.of(host("h", List.of("*"), route("r", prefix("/"), byUser))), ring);
            java.util.Set<String> seenAcrossUsers = new java.util.HashSet<>();
            try (RawHttpClient c = new RawHttpClient(port)) {
                for (int user = 0; user < 20; user++) {
                    java.util.Set<String> backends = new java.util.HashSet<>();
                    for (int i = 0; i < 5; i++) {
                        backends.add(c.get("/", "Host: h", "x-user: user-" + user).header("x-backend"));
                    }
                    assertThat(backends).hasSize(1);
                    seenAcrossUsers.addAll(backends);
                }
            }
            assertThat(seenAcrossUsers).hasSizeGreaterThan(1);
        } finally {
            v3.close();
        }
    }

    @Test
    void malformedRequestGets400AndTheConnectionCloses() throws IOException {
        int port = reviewsOnV1();
        try (RawHttpClient c = new RawHttpClient(port)) {
            c.write("GET / HTTP/1.1\r\nHost: reviews\r\nbroken header line without colon\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            RawHttpClient.Response r = c.readResponse(false);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("x-weft-response-flags")).isEqualTo("DPE");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void closeDelimitedHttp10ResponseIsForwardedWhole() throws Exception {
        try (ServerSocket old = new ServerSocket(0)) {
            Thread server = Thread.ofVirtual().start(() -> {
                while (!old.isClosed()) {
                    try (Socket s = old.accept()) {
                        var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                                StandardCharsets.ISO_8859_1));
                        String line;
                        while ((line = in.readLine()) != null && !line.isEmpty()) {
                            // request head
                        }
                        s.getOutputStream().write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                                + "body until close").getBytes(StandardCharsets.ISO_8859_1));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            int port = apply(List.of(host("h", List.of("*"), route("r", prefix("/"), forward("old")))),
                    staticCluster("old", old.getLocalPort()));
            try (RawHttpClient c = new RawHttpClient(port)) {
                for (int i = 0; i < 2; i++) {
                    RawHttpClient.Response r = c.get("/", "Host: h");
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.text()).isEqualTo("body until close");
                }
            }
            server.interrupt();
        }
    }

    @Test
    void removedListenerIsClosed() throws IOException {
        int port = reviewsOnV1();
        proxy.apply(ConfigSnapshot.EMPTY);
        assertThat(proxy.listenerPort("outbound")).isEqualTo(-1);
        try (Socket s = new Socket("127.0.0.1", port)) {
            throw new AssertionError("listener still accepting on " + port + ": " + s);
        } catch (java.net.ConnectException expected) {
            // closed
        }
    }

    /** Samples Netty's pooled direct memory in the background and reports the peak growth over the start. */
    static final class DirectMemoryWatch {
        private final long baseline = used();
        private final AtomicLong max = new AtomicLong(baseline);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler;

        private DirectMemoryWatch() {
            sampler = Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    max.accumulateAndGet(used(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        static DirectMemoryWatch start() {
            return new DirectMemoryWatch();
        }

        private static long used() {
            return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        }

        void stop() throws InterruptedException {
            running.set(false);
            sampler.join();
        }

        long maxGrowthBytes() {
            return max.get() - baseline;
        }
    }
}
