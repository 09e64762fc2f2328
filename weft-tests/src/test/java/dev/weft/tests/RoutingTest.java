package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.demo.DemoService;
import dev.weft.demo.DemoServiceOptions;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.RawHttp;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * HTTP routing through real sidecars: one control plane, a client workload, reviews v1/v2/v3 and a service whose
 * app is down, all sharing one mesh. Tests that change the config run last and put it back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoutingTest {
    private static final String REVIEWS = "reviews:9080";
    private static final int UPSTREAM_PORT = FreePorts.next();
    private static Mesh mesh;
    private static MeshClient client;
    private static DemoService externalApp;
    private static DemoService legacyApp;

    @BeforeAll
    static void startMesh() throws Exception {
        mesh = Mesh.create("routing");
        mesh.writeConfig("reviews-subsets.yaml", RoutingConfigs.REVIEWS_SUBSETS);
        mesh.writeConfig("reviews-routes.yaml", RoutingConfigs.INITIAL_ROUTES);
        externalApp = DemoService.start(new DemoServiceOptions("echo", "external", 0, null));
        legacyApp = DemoService.start(new DemoServiceOptions("echo", "legacy", 0, null));
        mesh.writeConfig("static-workloads.yaml", StaticWorkloadConfigs.entries(externalApp.port(), legacyApp.port()));
        mesh.startControlPlane();
        Workload clientWorkload = mesh.addEchoWorkload("client", "client", "v1", 8080,
                "reviews:9080=" + UPSTREAM_PORT);
        mesh.addEchoWorkload("reviews-v1", "reviews", "v1", 9080);
        mesh.addEchoWorkload("reviews-v2", "reviews", "v2", 9080);
        mesh.addEchoWorkload("reviews-v3", "reviews", "v3", 9080);
        mesh.addWorkloadWithoutApp("down", "down", 9080);
        mesh.awaitReady();
        client = mesh.clientOf(clientWorkload);
        awaitAllVersionsReachable();
    }

    /**
     * Fresh connections per test: what warm-up or an earlier test left on a keep-alive connection (a 404 before
     * routes arrived, a hung exchange) must not fail the next test; keep-alive behaviour has tests of its own.
     */
    @BeforeEach
    void freshClient() {
        client = mesh.clientOf(mesh.workload("client"));
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
        for (DemoService app : new DemoService[]{externalApp, legacyApp}) {
            if (app != null) {
                app.close();
            }
        }
    }

    /** Registrations reach every sidecar a moment after /ready; wait until each subset answers. */
    private static void awaitAllVersionsReachable() {
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(client.get(REVIEWS, "/", "end-user", "jason").version()).isEqualTo("v2");
            assertThat(client.get(REVIEWS, "/v3/ready").version()).isEqualTo("v3");
            assertThat(client.get(REVIEWS, "/").status()).isEqualTo(200);
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> client.get(REVIEWS, "/").version().equals("v1"));
    }

    private static Map<String, Integer> countVersions(int requests, int threads, String path, String... headers)
            throws InterruptedException {
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofVirtual().start(() -> {
                while (next.getAndIncrement() < requests) {
                    Reply reply = client.tryGet(REVIEWS, path, headers);
                    String key = reply.status() == 200 ? reply.version() : "status " + reply.status();
                    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        Map<String, Integer> result = new java.util.TreeMap<>();
        counts.forEach((k, v) -> result.put(k, v.intValue()));
        return result;
    }

    @Test
    @Order(1)
    void weightedSplitFollowsTheWeightsWithinThreePoints() throws Exception {
        Map<String, Integer> counts = countVersions(2000, 4, "/split");

        assertThat(counts.keySet()).as("only v1 and v2 serve the split route: %s", counts).containsOnly("v1", "v2");
        double v1Percent = 100.0 * counts.get("v1") / 2000;
        assertThat(v1Percent).as("v1 share of 2,000 requests (%s)", counts).isBetween(77.0, 83.0);
    }

    @Test
    @Order(2)
    void headerMatchRoutesJasonToV2() throws Exception {
        assertThat(countVersions(100, 2, "/", "end-user", "jason")).containsExactly(Map.entry("v2", 100));
        // a near miss is not a match: exact means exact
        Map<String, Integer> others = countVersions(100, 2, "/", "end-user", "jason2");
        assertThat(others).containsKey("v1").doesNotContainKey("v3");
        assertThat(others.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
    }

    @Test
    @Order(3)
    void pathPrefixMatchRoutesToV3AndKeepsThePath() throws Exception {
        Reply reply = client.get(REVIEWS, "/v3/books/7?page=2");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.version()).isEqualTo("v3");
        assertThat(reply.json().path("path").asText()).isEqualTo("/v3/books/7");
        assertThat(reply.json().path("query").asText()).isEqualTo("page=2");
        // "/v3" without the slash is not under the "/v3/" prefix
        assertThat(countVersions(50, 2, "/v3")).doesNotContainKey("v3");
    }

    @Test
    @Order(4)
    void subsetRoutingOnlyReachesWorkloadsWithTheSubsetLabels() throws Exception {
        assertThat(countVersions(200, 4, "/v3/x")).containsExactly(Map.entry("v3", 200));
        assertThat(countVersions(200, 4, "/", "end-user", "jason")).containsExactly(Map.entry("v2", 200));
    }

    @Test
    @Order(5)
    void requestsCarryForwardingHeadersAndARequestId() throws Exception {
        Reply reply = client.get(REVIEWS, "/v3/headers", "x-request-id", "test-request-1");
        assertThat(reply.json().path("headers").path("x-request-id").asText()).isEqualTo("test-request-1");
        assertThat(reply.json().path("headers").path("x-forwarded-proto").asText()).isEqualTo("http");
        Reply generated = client.get(REVIEWS, "/v3/headers");
        assertThat(generated.json().path("headers").path("x-request-id").asText()).isNotBlank();
    }

    @Test
    @Order(6)
    void unknownHostGets404FromTheOutboundListener() throws Exception {
        Reply reply = client.get("nosuchservice:9080", "/anything");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.body()).contains("nosuchservice", "/anything");
        assertThat(reply.header("x-weft-response-flags")).isEqualTo("NR");
    }

    @Test
    @Order(7)
    void keepAliveConnectionServesTheNextRequestAfterALocal404() throws Exception {
        MeshClient oneConnection = mesh.clientOf(mesh.workload("client"));
        assertThat(oneConnection.get("nosuchservice:9080", "/first").status()).isEqualTo(404);
        Reply next = oneConnection.get(REVIEWS, "/v3/second");
        assertThat(next.status()).as("%s", next).isEqualTo(200);
        assertThat(next.version()).isEqualTo("v3");
    }

    @Test
    @Order(8)
    void keepAliveTrafficThroughTwoSidecarsSurvivesAPause() throws Exception {
        // one client connection, as a sequential app has: the sidecars' pooled connections must stay usable
        MeshClient oneConnection = mesh.clientOf(mesh.workload("client"));
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 30; i++) {
                Reply reply = oneConnection.tryGet(REVIEWS, "/v3/pause/" + round + "/" + i);
                assertThat(reply.status()).as("round %d, request %d after a pause: %s", round, i, reply).isEqualTo(200);
            }
            Thread.sleep(1_000);
        }
    }

    @Test
    @Order(9)
    void upstreamDownGets503WithAResponseFlag() throws Exception {
        Reply reply = client.get("down:9080", "/");
        assertThat(reply.status()).as("%s", reply).isEqualTo(503);
        // the down workload's own sidecar cannot connect to its app: upstream connection failure
        assertThat(reply.header("x-weft-response-flags")).as("%s", reply).isEqualTo("UF");
    }

    @Test
    @Order(9)
    void debugEndpointsShowWhatEachProxyAppliedAndWhere() throws Exception {
        // control plane: every proxy connected, each of the four types ACKed at the version sent
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Reply syncz = mesh.controlPlaneGet("/debug/syncz");
            assertThat(syncz.status()).isEqualTo(200);
            var proxies = syncz.json();
            assertThat(proxies.size()).as("%s", syncz.body()).isEqualTo(5);
            for (var proxy : proxies) {
                var types = proxy.path("types");
                assertThat(types.size()).as("types of %s", proxy.path("id")).isEqualTo(4);
                for (var type : types) {
                    assertThat(type.path("ackedVersion").asText()).as("%s", type).isNotEmpty()
                            .isEqualTo(type.path("sentVersion").asText());
                    assertThat(type.path("nack").isNull()).as("%s", type).isTrue();
                }
            }
        });
        // proxy admin: the applied clusters, and the endpoints behind each reviews subset
        Workload clientWorkload = mesh.workload("client");
        Reply dump = Mesh.plainGet(clientWorkload.sidecar().adminUrl("/config_dump"));
        assertThat(dump.status()).isEqualTo(200);
        assertThat(dump.body()).contains("outbound|9080|v1|reviews.default.svc.cluster.local",
                "outbound|9080|v3|reviews.default.svc.cluster.local");
        Reply clusters = Mesh.plainGet(clientWorkload.sidecar().adminUrl("/clusters"));
        assertThat(clusters.status()).isEqualTo(200);
        for (String version : List.of("v1", "v2", "v3")) {
            assertThat(clusters.body()).contains("127.0.0.1:" + mesh.workload("reviews-" + version).sidecar().inboundPort());
        }
    }

    @Test
    @Order(9)
    void serviceEntryAndWorkloadEntryReachWorkloadsWithoutASidecar() throws Exception {
        Reply external = client.get("echo.external", "/hello");
        assertThat(external.status()).as("%s", external).isEqualTo(200);
        assertThat(external.version()).isEqualTo("external");
        Reply legacy = client.get("legacy.internal:9080", "/hello");
        assertThat(legacy.status()).as("%s", legacy).isEqualTo(200);
        assertThat(legacy.version()).isEqualTo("legacy");
    }

    @Test
    @Order(9)
    void routeRewritesUriAndSetsRequestAndResponseHeaders() throws Exception {
        Reply reply = client.get("echo.external", "/old/page?x=1");
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.json().path("path").asText()).isEqualTo("/new/page");
        assertThat(reply.json().path("query").asText()).isEqualTo("x=1");
        assertThat(reply.json().path("headers").path("x-weft-test").asText()).isEqualTo("set-by-route");
        assertThat(reply.header("x-served-by-route")).isEqualTo("renamed");
    }

    @Test
    @Order(9)
    void routeTimeoutAnswers504WithAFlag() throws Exception {
        assertThat(client.get("echo.external", "/slow/10").status()).isEqualTo(200);
        long start = System.nanoTime();
        // an upstream delay far beyond the timeout, so a loaded machine's slowness cannot pass for either
        Reply slow = client.get("echo.external", "/slow/15000");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(slow.status()).as("%s", slow).isEqualTo(504);
        assertThat(slow.header("x-weft-response-flags")).as("%s", slow).isEqualTo("UT");
        assertThat(millis).as("answered after the 0.5 s route timeout, not the 15 s upstream delay").isBetween(400L, 10_000L);
    }

    @Test
    @Order(9)
    void hostHeaderNamingTheServiceRoutesWithoutProxyForm() throws Exception {
        int outbound = mesh.workload("client").sidecar().outboundPort();
        for (String host : List.of("reviews", "reviews:9080", "reviews.default.svc.cluster.local",
                "reviews.default.svc.cluster.local:9080")) {
            RawHttp.Response response = RawHttp.get(outbound, "/v3/by-host", host);
            assertThat(response.status()).as("Host: %s -> %s", host, response).isEqualTo(200);
            assertThat(response.body()).as("Host: %s", host).contains("\"version\":\"v3\"");
        }
    }

    @Test
    @Order(9)
    void upstreamBindingSendsPlainRequestsToItsService() throws Exception {
        // a client that can set neither a proxy nor a Host header: the local port alone picks the service
        RawHttp.Response response = RawHttp.get(UPSTREAM_PORT, "/v3/bound", "127.0.0.1:" + UPSTREAM_PORT);
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.body()).contains("\"version\":\"v3\"", "\"path\":\"/v3/bound\"");
    }

    @Test
    @Order(9)
    void largeBodiesStreamBothWays() throws Exception {
        byte[] upload = new byte[5 * 1024 * 1024];
        new java.util.Random(7).nextBytes(upload);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(upload));
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1",
                        mesh.workload("client").sidecar().outboundPort())))
                .build();
        var posted = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://reviews:9080/v3/upload"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(posted.body()).contains("\"bodyLength\":" + upload.length, sha);

        var downloaded = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://reviews:9080/bytes/20000000"))
                .header("end-user", "jason").build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertThat(downloaded.statusCode()).isEqualTo(200);
        long total = 0;
        try (var in = downloaded.body()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
            }
        }
        assertThat(total).isEqualTo(20_000_000L);
    }

    @Test
    @Order(10)
    void liveConfigChangeTakesEffectWithinTwoSecondsWithoutFailedRequests() throws Exception {
        LongAdder failures = new LongAdder();
        AtomicReference<Reply> firstFailure = new AtomicReference<>();
        AtomicLong firstV3Nanos = new AtomicLong();
        AtomicLong writeNanos = new AtomicLong(Long.MAX_VALUE);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> traffic = new ArrayList<>();
        LongAdder sent = new LongAdder();
        for (int t = 0; t < 4; t++) {
            traffic.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    Reply reply = client.tryGet(REVIEWS, "/live");
                    sent.increment();
                    if (reply.status() != 200) {
                        failures.increment();
                        firstFailure.compareAndSet(null, reply);
                    } else if (reply.version().equals("v3") && System.nanoTime() > writeNanos.get()) {
                        firstV3Nanos.compareAndSet(0, System.nanoTime());
                    }
                }
            }));
        }
        try {
            Thread.sleep(500);
            writeNanos.set(System.nanoTime());
            mesh.writeConfig("reviews-routes.yaml", RoutingConfigs.reviewsRoutes(0, "v3", 100));
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).until(() -> firstV3Nanos.get() != 0);
            double seconds = (firstV3Nanos.get() - writeNanos.get()) / 1e9;
            // once applied, every new request follows the new routes
            Thread.sleep(300);
            assertThat(countVersions(100, 2, "/after")).containsExactly(Map.entry("v3", 100));
            System.out.printf("live change applied %.3f s after the file write%n", seconds);
        } finally {
            stop.set(true);
            for (Thread thread : traffic) {
                thread.join();
            }
            restoreInitialRoutes();
        }
        assertThat(sent.sum()).isGreaterThan(50);
        assertThat(failures.sum()).as("failed requests during the change, first: %s", firstFailure.get()).isZero();
    }

    @Test
    @Order(11)
    void invalidYamlIsRejectedWithFileResourceAndFieldAndOldRoutesKeepServing() throws Exception {
        // an otherwise tempting change (everything to v3) with one typo: the whole change must be rejected
        String broken = RoutingConfigs.reviewsRoutes(0, "v3", 100).replace("weight: 100", "weigth: 100");
        try {
            mesh.writeConfig("reviews-routes.yaml", broken);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Reply errors = mesh.controlPlaneGet("/debug/config-errors");
                assertThat(errors.status()).isEqualTo(200);
                assertThat(errors.body()).contains("reviews-routes.yaml", "VirtualService", "reviews",
                        "spec.http[2].route[1].weigth");
            });
            Map<String, Integer> counts = countVersions(200, 4, "/still");
            assertThat(counts.keySet()).as("previous 80/20 routing still served: %s", counts).containsOnly("v1", "v2");
        } finally {
            restoreInitialRoutes();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(mesh.controlPlaneGet("/debug/config-errors").body()).doesNotContain("weigth"));
    }

    private static void restoreInitialRoutes() {
        mesh.writeConfig("reviews-routes.yaml", RoutingConfigs.INITIAL_ROUTES);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> client.get(REVIEWS, "/restored").version().equals("v1"));
    }
}
