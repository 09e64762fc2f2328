package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Metrics;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.TestApp;
import dev.weft.tests.harness.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * VirtualService {@code fault} end to end: the client's sidecar aborts and delays requests on the routes that say
 * so, in the configured share, and leaves other routes alone. The same small mesh checks {@code mirror} (the
 * other "test traffic" feature): a share of copies reaches the shadow, the main response is unchanged.
 */
class FaultInjectionTest {
    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
            spec:
              hosts: [ratings]
              http:
              - match: [{uri: {prefix: /abort}}]
                fault:
                  abort: {httpStatus: 503, percentage: {value: 30}}
                route: [{destination: {host: ratings}}]
              - match: [{uri: {prefix: /delay}}]
                fault:
                  delay: {fixedDelay: 200ms, percentage: {value: 100}}
                route: [{destination: {host: ratings}}]
              - match: [{uri: {prefix: /mirror-body}}]
                mirror: {host: ratings-shadow}
                route: [{destination: {host: ratings}}]
              - match: [{uri: {prefix: /mirror}}]
                mirror: {host: ratings-shadow}
                mirrorPercentage: {value: 50}
                route: [{destination: {host: ratings}}]
              - route: [{destination: {host: ratings}}]
            """;
    private static final String RATINGS = "ratings:9080";

    private static Mesh mesh;
    private static MeshClient client;
    private static TestApp ratings;
    private static TestApp shadow;
    private static Workload clientWorkload;

    @BeforeAll
    static void startMesh() {
        mesh = Mesh.create("fault");
        mesh.writeConfig("fault.yaml", CONFIG);
        mesh.startControlPlane();
        clientWorkload = mesh.addEchoWorkload("client", "client", "v1", 8080);
        TestApp[] started = new TestApp[1];
        mesh.addTestAppWorkload("ratings", "ratings", "v1", 9080,
                (port, outbound) -> started[0] = TestApp.start("ratings", port, outbound, new TestApp.Healthy()));
        ratings = started[0];
        mesh.addTestAppWorkload("ratings-shadow", "ratings-shadow", "v1", 9080,
                (port, outbound) -> started[0] = TestApp.start("ratings-shadow", port, outbound,
                        new TestApp.Healthy()));
        shadow = started[0];
        mesh.awaitReady();
        MeshClient warmUp = mesh.clientOf(clientWorkload);
        // the fault routes have arrived once /delay is delayed
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).until(() ->
                "DI".equals(warmUp.tryGet(RATINGS, "/delay").header("x-weft-response-flags")));
        client = mesh.clientOf(clientWorkload);
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
        if (ratings != null) {
            ratings.close();
        }
        if (shadow != null) {
            shadow.close();
        }
    }

    @Test
    void abortsTheConfiguredShareAndTheBackendNeverSeesThem() throws Exception {
        int requests = 3_000;
        long backendBefore = ratings.requests();
        List<Reply> replies = new ArrayList<>(requests);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Reply>> futures = new ArrayList<>(requests);
            for (int i = 0; i < requests; i++) {
                int n = i;
                futures.add(pool.submit(() -> client.tryGet(RATINGS, "/abort/" + n)));
            }
            for (Future<Reply> f : futures) {
                replies.add(f.get());
            }
        }
        int aborted = 0;
        int served = 0;
        for (Reply r : replies) {
            if (r.status() == 503) {
                assertThat(r.header("x-weft-response-flags")).as("abort reply %s", r).isEqualTo("FI");
                aborted++;
            } else {
                assertThat(r.status()).as("reply %s", r).isEqualTo(200);
                served++;
            }
        }
        double share = 100.0 * aborted / requests;
        System.out.printf("fault abort 30%%: %d/%d aborted (%.2f%%)%n", aborted, requests, share);
        assertThat(share).as("aborted share in percent").isBetween(27.0, 33.0);
        // aborted requests are answered by the client's sidecar: the backend gets exactly the others
        int servedTotal = served;
        await().atMost(Duration.ofSeconds(5)).until(() -> ratings.requests() - backendBefore >= servedTotal);
        assertThat(ratings.requests() - backendBefore).as("requests the backend saw").isEqualTo(served);
        // Envoy's fault counter on the client's sidecar: only this test aborts
        assertThat(Metrics.sum(Metrics.scrape(clientWorkload), "envoy_http_fault_aborts_injected",
                "http_conn_manager_prefix=\"outbound\"")).as("fault.aborts_injected").isEqualTo(aborted);
    }

    @Test
    void delaysEveryRequestOnTheDelayedRouteOnly() throws Exception {
        for (int i = 0; i < 10; i++) {
            long start = System.nanoTime();
            Reply r = client.get(RATINGS, "/delay/" + i);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).as("delayed reply %s", r).isEqualTo(200);
            assertThat(r.header("x-weft-response-flags")).isEqualTo("DI");
            assertThat(millis).as("elapsed ms of delayed request %d", i).isGreaterThanOrEqualTo(200);
        }
        long fastest = Long.MAX_VALUE;
        for (int i = 0; i < 50; i++) {
            long start = System.nanoTime();
            Reply r = client.get(RATINGS, "/plain/" + i);
            fastest = Math.min(fastest, (System.nanoTime() - start) / 1_000_000);
            assertThat(r.status()).as("plain reply %s", r).isEqualTo(200);
            assertThat(r.header("x-weft-response-flags")).as("flags on a route without fault").isNull();
        }
        assertThat(fastest).as("fastest of 50 requests on the route without fault, ms").isLessThan(200);
        assertThat(Metrics.sum(Metrics.scrape(clientWorkload), "envoy_http_fault_delays_injected",
                "http_conn_manager_prefix=\"outbound\"")).as("fault.delays_injected").isGreaterThanOrEqualTo(10);
    }

    @Test
    void mirrorsRequestBodiesAndNeverWaitsForAHangingShadow() throws Exception {
        String body = "{\"stars\": 5, \"text\": \"" + "great ".repeat(2_000) + "\"}"; // ~12 KB
        Reply r = client.post(RATINGS, "/mirror-body/one", body, "content-type", "application/json");
        assertThat(r.status()).as("main reply %s", r).isEqualTo(200);
        assertThat(ratings.bodyOf("/mirror-body/one")).isEqualTo(body);
        await().atMost(Duration.ofSeconds(10)).until(() -> body.equals(shadow.bodyOf("/mirror-body/one")));

        // above the 64 KiB mirror buffer: the main request is served whole, the copy is dropped and counted
        String big = "x".repeat(100_000);
        assertThat(client.post(RATINGS, "/mirror-body/big", big).status()).isEqualTo(200);
        assertThat(ratings.bodyOf("/mirror-body/big")).isEqualTo(big);

        // a shadow that hangs (far longer than a loaded machine's slowest request) does not slow the main requests
        long shadowBefore = shadow.requests();
        shadow.delay(15_000);
        long slowest = 0;
        try {
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                Reply main = client.post(RATINGS, "/mirror-body/hang-" + i, body);
                slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
                assertThat(main.status()).as("main reply %s", main).isEqualTo(200);
            }
            // the copies did reach the (hanging) shadow
            await().atMost(Duration.ofSeconds(10)).until(() -> shadow.requests() - shadowBefore >= 10);
        } finally {
            shadow.delay(0);
        }
        System.out.printf("mirror with a hanging shadow: slowest of 10 main POSTs %d ms%n", slowest);
        assertThat(slowest).as("slowest main request while the shadow hangs 15000 ms, ms").isLessThan(7_500);
        assertThat(shadow.bodyOf("/mirror-body/hang-9")).isEqualTo(body);
        assertThat(shadow.bodyOf("/mirror-body/big")).as("a body too large to mirror").isNull();
        String stats = Metrics.scrape(clientWorkload);
        String shadowCluster = "cluster_name=\"outbound|9080||ratings-shadow.default.svc.cluster.local\"";
        assertThat(Metrics.sum(stats, "weft_http_mirror_requests_dropped", shadowCluster, "reason=\"body_too_large\""))
                .as("mirror copies dropped as too large").isEqualTo(1);
        assertThat(Metrics.sum(stats, "weft_http_mirror_requests_sent", shadowCluster))
                .as("mirror copies sent").isGreaterThanOrEqualTo(11);
    }

    @Test
    void mirrorsTheConfiguredShareWithoutChangingTheMainResponse() throws Exception {
        int requests = 400;
        long mainBefore = ratings.requests();
        long shadowBefore = shadow.requests();
        for (int i = 0; i < requests; i++) {
            Reply r = client.get(RATINGS, "/mirror/" + i);
            assertThat(r.status()).as("main reply %s", r).isEqualTo(200);
            assertThat(r.header("x-weft-response-flags")).isNull();
        }
        assertThat(ratings.requests() - mainBefore).as("requests the main backend saw").isEqualTo(requests);
        // copies are fire-and-forget: wait until they stop arriving
        java.util.concurrent.atomic.AtomicLong lastSeen = new java.util.concurrent.atomic.AtomicLong(-1);
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    long now = shadow.requests();
                    return now == lastSeen.getAndSet(now);
                });
        long mirrored = shadow.requests() - shadowBefore;
        System.out.printf("mirror 50%%: %d/%d copies reached the shadow%n", mirrored, requests);
        assertThat(mirrored).as("copies the shadow saw (50%% of %d)", requests).isBetween(160L, 240L);
    }
}
