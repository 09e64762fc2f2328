package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.tests.harness.ConnectionCountingServer;
import dev.weft.tests.harness.H2cTestServer;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DestinationRule {@code connectionPool} and slow start end to end: a client sidecar in front of servers the test runs
 * (no sidecar on their side, so the client sidecar's pool talks to them directly) that count what the pool does —
 * connections, requests per connection, HTTP/2 streams per connection, GOAWAYs — and endpoints whose share of the
 * traffic is measured while one of them warms up.
 */
class ConnectionPoolTest {
    private static final String POOLS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: pooled}
            spec:
              hosts: [pooled.external]
              ports: [{number: 80, name: http, protocol: HTTP}]
              location: MESH_EXTERNAL
              resolution: STATIC
              endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: pooled}
            spec:
              host: pooled.external
              trafficPolicy:
                connectionPool:
                  tcp:
                    maxConnections: 1
                    tcpKeepalive: {time: 600s, interval: 30s, probes: 4}
                  http: {http1MaxPendingRequests: 1}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: pooled}
            spec:
              hosts: [pooled.external]
              http:
              - match: [{uri: {prefix: /timed}}]
                timeout: 1s
                route: [{destination: {host: pooled.external}}]
              - route: [{destination: {host: pooled.external}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: perconn}
            spec:
              hosts: [perconn.external]
              ports: [{number: 80, name: http, protocol: HTTP}]
              location: MESH_EXTERNAL
              resolution: STATIC
              endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: perconn}
            spec:
              host: perconn.external
              trafficPolicy:
                connectionPool:
                  http: {maxRequestsPerConnection: 2, idleTimeout: 1s}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: h2streams}
            spec:
              hosts: [h2streams.external]
              ports: [{number: 80, name: http2, protocol: HTTP2}]
              location: MESH_EXTERNAL
              resolution: STATIC
              endpoints: [{address: 127.0.0.1, ports: {http2: %d}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: goaway}
            spec:
              hosts: [goaway.external]
              ports: [{number: 80, name: http2, protocol: HTTP2}]
              location: MESH_EXTERNAL
              resolution: STATIC
              endpoints: [{address: 127.0.0.1, ports: {http2: %d}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: warm}
            spec:
              host: warm.external
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN, warmupDurationSecs: 8s}
            """;
    private static final String WARM = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: warm}
            spec:
              hosts: [warm.external]
              ports: [{number: 80, name: http, protocol: HTTP}]
              location: MESH_EXTERNAL
              resolution: STATIC
              endpoints:
            """;
    /** A held request's client waits this long: the server's own cap (60 s), not the usual request timeout. */
    private static final Duration HELD_TIMEOUT = Duration.ofSeconds(90);
    private static final long WARMUP_MILLIS = 8_000;
    /**
     * Requests sent this soon after the test saw the new endpoint count as early: the proxy added it a little before
     * (at most the admin poll's lag), so its slow-start factor is still at most about (2.5 + lag) / 8 — a share of at
     * most ~30% against the old endpoint's full weight, whatever the machine's speed.
     */
    private static final long EARLY_MILLIS = 2_500;

    private static Mesh mesh;
    private static Workload self;
    private static MeshClient client;
    private static ConnectionCountingServer pooled;
    private static ConnectionCountingServer perConnection;
    private static H2cTestServer twoStreams;
    private static H2cTestServer goAway;
    private static ConnectionCountingServer warmOld;
    private static ConnectionCountingServer warmNew;
    private static long readyAtNanos;

    @BeforeAll
    static void startMesh() throws Exception {
        pooled = new ConnectionCountingServer();
        perConnection = new ConnectionCountingServer();
        twoStreams = new H2cTestServer(2, 400, 0);
        goAway = new H2cTestServer(100, 2, 7);
        warmOld = new ConnectionCountingServer();
        warmNew = new ConnectionCountingServer();
        mesh = Mesh.create("pools");
        mesh.writeConfig("pools.yaml", POOLS.formatted(pooled.port(), perConnection.port(), twoStreams.port(),
                goAway.port()));
        mesh.writeConfig("warm.yaml", warmEntry(warmOld.port()));
        mesh.startControlPlane();
        self = mesh.addEchoWorkload("client", "client", "v1", 8080);
        mesh.awaitReady();
        client = mesh.clientOf(self);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).until(() ->
                client.tryGet("pooled.external", "/warm-up").status() == 200
                        && client.tryGet("warm.external", "/warm-up").status() == 200);
        readyAtNanos = System.nanoTime();
    }

    private static String warmEntry(int... ports) {
        StringBuilder sb = new StringBuilder(WARM);
        for (int port : ports) {
            sb.append("  - {address: 127.0.0.1, ports: {http: ").append(port).append("}}\n");
        }
        return sb.toString();
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {pooled, perConnection, twoStreams, goAway, warmOld, warmNew}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void maxConnectionsQueuesOneAndRefusesTheRestAtOnce() throws Exception {
        pooled.reset();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            // the first request holds the one connection until the test releases it, however slow the machine is
            MeshClient first = mesh.clientOf(self).withRequestTimeout(HELD_TIMEOUT);
            Future<Reply> held = pool.submit(() -> first.tryGet("pooled.external", "/held/first"));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> pooled.requestsInFlight() == 1);
            MeshClient second = mesh.clientOf(self).withRequestTimeout(HELD_TIMEOUT);
            Future<Reply> waiting = pool.submit(() -> second.tryGet("pooled.external", "/second"));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> poolStat("outbound|80||pooled.external", "upstream_rq_pending_active") == 1);

            long start = System.nanoTime();
            Reply overflow = client.tryGet("pooled.external", "/third");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("pending overflow answered in %d ms%n", tookMs);
            assertThat(overflow.status()).as("%s", overflow).isEqualTo(503);
            assertThat(overflow.header("x-weft-response-flags")).isEqualTo("UO");
            // refused at once: answered while the connection is still busy, so it never waited for it
            assertThat(held.isDone()).as("the first request is still held").isFalse();
            assertThat(pooled.requestsInFlight()).isEqualTo(1);
            // queued, not refused: it is still waiting while the connection is busy
            assertThat(waiting.isDone()).as("the queued request waits for the busy connection").isFalse();
            assertThat(poolStat("outbound|80||pooled.external", "upstream_rq_pending_active")).isEqualTo(1);

            pooled.releaseHeld();
            assertThat(held.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            // served once the connection was free: on it, or (queued on another event loop) on the slot it left
            Reply second2 = waiting.get(30, TimeUnit.SECONDS);
            assertThat(second2.status()).as("%s", second2).isEqualTo(200);
        } finally {
            pooled.releaseHeld();
        }
        assertThat(pooled.maxRequestsInFlight()).as("requests at the upstream at once").isEqualTo(1);
        assertThat(pooled.maxConnectionsOpenAtOnce()).as("connections open at the upstream at once").isEqualTo(1);
        JsonNode stats = cluster("outbound|80||pooled.external").path("connectionPool");
        assertThat(stats.path("upstream_rq_pending_overflow").asLong()).isPositive();
        assertThat(stats.path("upstream_rq_pending_active").asInt()).isZero();
        assertThat(stats.path("upstream_cx_active").asInt()).isLessThanOrEqualTo(1);
        String prometheus = Mesh.plainGet(self.sidecar().adminUrl("/stats/prometheus")).body();
        assertThat(prometheus).containsPattern(
                "envoy_cluster_upstream_rq_pending_overflow\\{cluster_name=\"outbound\\|80\\|\\|pooled.external\"} [1-9]");
    }

    @Test
    void aQueuedRequestStillHonoursItsRouteTimeout() throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(1)) {
            MeshClient first = mesh.clientOf(self).withRequestTimeout(HELD_TIMEOUT);
            Future<Reply> held = pool.submit(() -> first.tryGet("pooled.external", "/held/timeout-case"));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> pooled.requestsInFlight() == 1);
            long start = System.nanoTime();
            Reply timed = mesh.clientOf(self).tryGet("pooled.external", "/timed/x");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("queued request with a 1 s route timeout answered in %d ms%n", tookMs);
            assertThat(timed.status()).as("%s", timed).isEqualTo(504);
            assertThat(timed.header("x-weft-response-flags")).isEqualTo("UT");
            // its own 1 s, not the busy connection's release (which waits for the test) nor the client's timeout
            assertThat(tookMs).isGreaterThanOrEqualTo(800L);
            assertThat(held.isDone()).as("the connection is still busy with the held request").isFalse();
            assertThat(poolStat("outbound|80||pooled.external", "upstream_rq_pending_active")).isZero();
            pooled.releaseHeld();
            assertThat(held.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        } finally {
            pooled.releaseHeld();
        }
    }

    @Test
    void tcpKeepaliveIsSetOnUpstreamSockets() throws Exception {
        Assumptions.assumeTrue(new java.io.File("/usr/bin/ss").canExecute() || new java.io.File("/bin/ss").canExecute(),
                "needs ss (iproute2) to read socket timers");
        try (ExecutorService pool = Executors.newFixedThreadPool(1)) {
            MeshClient first = mesh.clientOf(self).withRequestTimeout(HELD_TIMEOUT);
            Future<Reply> held = pool.submit(() -> first.tryGet("pooled.external", "/held/keepalive"));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> pooled.requestsInFlight() == 1);
            String out;
            try {
                Process ss = new ProcessBuilder("ss", "-tno", "state", "established", "( dport = :" + pooled.port()
                        + " )").redirectErrorStream(true).start();
                out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                ss.waitFor(20, TimeUnit.SECONDS);
            } finally {
                pooled.releaseHeld();
            }
            assertThat(held.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            // keepalive_time 600 s (the kernel's default is 7200 s): the timer shows at most 10 minutes
            Matcher m = Pattern.compile("timer:\\(keepalive,(\\d+)min").matcher(out);
            assertThat(out).as("ss output").contains("keepalive");
            if (m.find()) {
                assertThat(Integer.parseInt(m.group(1))).as("keepalive timer minutes in %s", out).isLessThanOrEqualTo(10);
            }
        }
    }

    @Test
    void maxRequestsPerConnectionAndIdleTimeoutCloseUpstreamConnections() throws Exception {
        perConnection.reset();
        for (int i = 0; i < 7; i++) {
            assertThat(client.get("perconn.external", "/r/" + i).status()).isEqualTo(200);
        }
        System.out.printf("maxRequestsPerConnection=2: requests per upstream connection %s%n",
                perConnection.requestsPerConnection());
        assertThat(perConnection.requestsPerConnection()).as("requests per upstream connection")
                .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
        assertThat(perConnection.connectionsAccepted()).as("connections for 7 requests").isGreaterThanOrEqualTo(4);
        // idleTimeout 1s: the pool closes the connection it kept (the 7th request's)
        assertThat(perConnection.connectionsOpen()).as("the last connection stays for reuse").isEqualTo(1);
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(100))
                .until(() -> perConnection.connectionsOpen() == 0);
        JsonNode stats = cluster("outbound|80||perconn.external").path("connectionPool");
        assertThat(stats.path("upstream_cx_max_requests").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(stats.path("upstream_cx_idle_timeout").asLong()).isPositive();
    }

    @Test
    void anHttp2UpstreamLimitingStreamsGetsMoreConnections() throws Exception {
        int requests = 6;
        try (ExecutorService pool = Executors.newFixedThreadPool(requests)) {
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                MeshClient c = mesh.clientOf(self);
                int n = i;
                replies.add(pool.submit(() -> c.tryGet("h2streams.external", "/s/" + n)));
            }
            for (Future<Reply> f : replies) {
                Reply r = f.get(20, TimeUnit.SECONDS);
                assertThat(r.status()).as("%s", r).isEqualTo(200);
            }
        }
        System.out.printf("SETTINGS_MAX_CONCURRENT_STREAMS=2: %d connections for %d concurrent requests, at most %d "
                + "streams on one%n", twoStreams.connections(), requests, twoStreams.maxStreamsOnOneConnection());
        assertThat(twoStreams.maxStreamsOnOneConnection()).as("streams open at once on one connection")
                .isLessThanOrEqualTo(2);
        // two event loops at most: six concurrent requests need at least three connections of two streams
        assertThat(twoStreams.connections()).as("connections").isGreaterThanOrEqualTo(3);
    }

    @Test
    void goAwayMidLoadLosesNoRequest() throws Exception {
        // The first HTTP/2 connection of a cold proxy to a cold server took 4-5 s on a machine at load ~30 (both JVMs
        // load the HTTP/2 codec classes then: the server's SETTINGS arrived ~3 s after its accept), which the first
        // requests' 5 s timeout does not cover; what this test measures is what happens later, at GOAWAY time.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> client.tryGet("goaway.external", "/warm-up").status() == 200);
        int threads = 8;
        int perThread = 30;
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                MeshClient c = mesh.clientOf(self);
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long start = System.nanoTime();
                        Reply r = c.tryGet("goaway.external", "/g/" + thread + "/" + i);
                        long ms = (System.nanoTime() - start) / 1_000_000;
                        slowest.accumulateAndGet(r.status() == 200 ? ms : 0, Math::max);
                        if (r.status() != 200) {
                            failures.add(r + " after " + ms + " ms");
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        System.out.printf("GOAWAY every 7 streams: %d requests, %d GOAWAYs, %d connections, %d failures, slowest "
                + "success %d ms%n", threads * perThread, goAway.goAways(), goAway.connections(), failures.size(),
                slowest.get());
        assertThat(goAway.goAways()).as("GOAWAYs sent").isGreaterThanOrEqualTo(10);
        assertThat(failures).as("failed requests").isEmpty();
    }

    @Test
    void aNewEndpointRampsUpDuringSlowStart() throws Exception {
        // the first endpoint must be past its own window before the second one joins
        long sinceReady = (System.nanoTime() - readyAtNanos) / 1_000_000;
        if (sinceReady < WARMUP_MILLIS + 500) {
            Thread.sleep(WARMUP_MILLIS + 500 - sinceReady);
        }
        mesh.writeConfig("warm.yaml", warmEntry(warmOld.port(), warmNew.port()));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> cluster("outbound|80||warm.external").path("endpoints").size() == 2);
        long joined = System.nanoTime();
        // early: only requests sent within EARLY_MILLIS of the join count, however many a loaded machine manages
        int early = 0;
        int earlyToNew = 0;
        while (System.nanoTime() - joined < TimeUnit.MILLISECONDS.toNanos(EARLY_MILLIS)) {
            earlyToNew += toNew("/w/early/" + early);
            early++;
        }
        long wait = WARMUP_MILLIS + 700 - (System.nanoTime() - joined) / 1_000_000;
        if (wait > 0) {
            Thread.sleep(wait);
        }
        int late = 200;
        int lateToNew = 0;
        for (int i = 0; i < late; i++) {
            lateToNew += toNew("/w/late/" + i);
        }
        double earlyShare = earlyToNew / (double) early;
        double lateShare = lateToNew / (double) late;
        System.out.printf("slow start (8 s window, round robin over 2 endpoints): new endpoint's share %.0f%% of %d "
                + "requests in its first %d ms, %.0f%% of %d after the window%n", earlyShare * 100, early,
                EARLY_MILLIS, lateShare * 100, late);
        assertThat(early).as("requests sent in the first %d ms (too few to judge a share)", EARLY_MILLIS)
                .isGreaterThanOrEqualTo(8);
        // Envoy's formula: weight x max(10%%, t/window) - 17%% to ~30%% of the traffic over the first 2.5 s + lag,
        // 50%% (an equal share) once warm
        assertThat(earlyShare).as("share of the new endpoint while warming up").isBetween(0.02, 0.35);
        assertThat(lateShare).as("share of the new endpoint after the window").isBetween(0.40, 0.60);
    }

    /** One request to warm.external: 1 when the new endpoint served it, 0 when the old one did. */
    private static int toNew(String path) throws Exception {
        int before = warmNew.requests();
        Reply r = client.get("warm.external", path);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return warmNew.requests() - before;
    }

    private static JsonNode cluster(String name) throws IOException, InterruptedException {
        Reply clusters = Mesh.plainGet(self.sidecar().adminUrl("/clusters"));
        for (JsonNode c : clusters.json()) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static long poolStat(String clusterName, String stat) throws IOException, InterruptedException {
        return cluster(clusterName).path("connectionPool").path(stat).asLong(-1);
    }
}
