package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
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
 * Retries and outlier detection end to end against misbehaving upstreams the test runs: a flaky replica among healthy ones, a total
 * outage (retry budget), a chain of retrying sidecars (amplification guard), and deadlines passed between hops.
 */
class RetriesTest {
    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: flaky
            spec:
              hosts: [flaky]
              http:
              - match:
                - headers:
                    x-retries: {exact: "off"}
                retries: {attempts: 0}
                route: [{destination: {host: flaky}}]
              - retries: {attempts: 2, retryOn: "5xx,reset,connect-failure", perTryTimeout: 2s}
                route: [{destination: {host: flaky, subset: guarded}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: flaky
            spec:
              host: flaky
              subsets:
              - name: guarded
                labels: {app: flaky}
                trafficPolicy:
                  outlierDetection:
                    consecutive5xxErrors: 1
                    interval: 1s
                    baseEjectionTime: 10s
                    maxEjectionPercent: 50
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: down
            spec:
              hosts: [down]
              http:
              - retries: {attempts: 2, retryOn: 5xx}
                route: [{destination: {host: down}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: hop-a
            spec:
              hosts: [hop-a]
              http:
              - retries: {attempts: 2, retryOn: 5xx}
                route: [{destination: {host: hop-a}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: hop-b
            spec:
              hosts: [hop-b]
              http:
              - retries: {attempts: 2, retryOn: 5xx}
                route: [{destination: {host: hop-b}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: client
            spec:
              hosts: [client]
              http:
              - match: [{uri: {prefix: /timed}}]
                timeout: 3s
                route: [{destination: {host: client}}]
              - route: [{destination: {host: client}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: client
            spec:
              host: client
              trafficPolicy:
                connectionPool:
                  http: {http2MaxRequests: 2}
            """;

    private static Mesh mesh;
    private static MeshClient client;
    private static final List<TestApp> apps = new ArrayList<>();
    private static TestApp flakyReplica;
    private static TestApp down;

    @BeforeAll
    static void startMesh() {
        mesh = Mesh.create("retries");
        mesh.writeConfig("retries.yaml", CONFIG);
        mesh.startControlPlane();
        Workload clientWorkload = mesh.addEchoWorkload("client", "client", "v1", 8080);
        flakyReplica = app(mesh, "flaky-1", "flaky", new TestApp.FailsEvery(2));
        app(mesh, "flaky-2", "flaky", new TestApp.Healthy());
        app(mesh, "flaky-3", "flaky", new TestApp.Healthy());
        down = app(mesh, "down", "down", new TestApp.Always(503));
        app(mesh, "hop-a", "hop-a", new TestApp.Forward("hop-b:9080"));
        app(mesh, "hop-b", "hop-b", new TestApp.Forward("down:9080"));
        mesh.awaitReady();
        MeshClient warmUp = mesh.clientOf(clientWorkload);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).until(() ->
                warmUp.tryGet("flaky:9080", "/").status() == 200
                        && warmUp.tryGet("hop-a:9080", "/").status() == 503
                        && warmUp.tryGet("client:8080", "/").status() == 200);
        client = mesh.clientOf(clientWorkload);
    }

    private static TestApp app(Mesh mesh, String name, String service, TestApp.Behaviour behaviour) {
        TestApp[] started = new TestApp[1];
        mesh.addTestAppWorkload(name, service, "v1", 9080,
                (port, outbound) -> started[0] = TestApp.start(name, port, outbound, behaviour));
        apps.add(started[0]);
        return started[0];
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
        apps.forEach(TestApp::close);
    }

    private static int errors(int requests, String... headers) {
        int errors = 0;
        for (int i = 0; i < requests; i++) {
            Reply reply = client.tryGet("flaky:9080", "/item/" + i, headers);
            if (reply.status() != 200) {
                errors++;
            }
        }
        return errors;
    }

    @Test
    void retriesAndOutlierDetectionHideAFlakyReplica() throws Exception {
        int requests = 600;
        int withoutRetries = errors(requests, "x-retries", "off");
        // one replica in three fails every other request: about 1 in 6 requests fail without retries
        assertThat(withoutRetries).as("errors without retries").isBetween(requests * 10 / 100, requests * 24 / 100);
        long flakyBefore = flakyReplica.requests();
        int withRetries = errors(requests);
        System.out.printf("flaky replica: %d/%d errors without retries, %d with retries + outlier detection%n",
                withoutRetries, requests, withRetries);
        assertThat(withRetries).as("errors with retries (%d without)", withoutRetries)
                .isLessThanOrEqualTo(requests / 1000);
        // the flaky replica is ejected after its first 503 (for 10 s, then 20 s...): it sees far less than a third
        assertThat(flakyReplica.requests() - flakyBefore).as("requests the ejected replica got")
                .isLessThan(requests / 10);
        Reply clusters = Mesh.plainGet(mesh.workload("client").sidecar().adminUrl("/clusters"));
        com.fasterxml.jackson.databind.JsonNode guarded = null;
        for (com.fasterxml.jackson.databind.JsonNode c : clusters.json()) {
            if (c.path("name").asText().equals("outbound|9080|guarded|flaky.default.svc.cluster.local")) {
                guarded = c;
            }
        }
        assertThat(guarded).as("guarded cluster in /clusters: %s", clusters.body()).isNotNull();
        int ejections = 0;
        for (com.fasterxml.jackson.databind.JsonNode endpoint : guarded.path("endpoints")) {
            ejections += endpoint.path("timesEjected").asInt();
        }
        assertThat(ejections).as("ejections shown at /clusters").isPositive();
    }

    @Test
    void totalOutageCostsAtMostTheRetryBudget() throws Exception {
        // The budget (docs/xds-conventions.md, Resilience): retries to a cluster over the last 10 s may be at most 20%
        // of its requests over those 10 s plus a floor of 3 per second, i.e. 30 per window.
        double ratio = 0.2;
        long floorPerWindow = 3 * 10;
        long start = System.nanoTime();
        // quiet, sequential traffic retries on the floor: 10 requests × 2 retries fit in its 30
        down.reset();
        for (int i = 0; i < 10; i++) {
            Reply reply = client.tryGet("down:9080", "/x");
            assertThat(reply.status()).isEqualTo(503);
        }
        assertThat(down.requests()).as("1 try + 2 retries each, on the floor").isEqualTo(30);

        // 600 concurrent requests, each try taking 100 ms: the ratio caps the retries over the window, and Envoy's
        // retry_budget (20% of requests in flight, at least 3) caps the retries in flight
        down.delay(100);
        int threads = 40;
        int perThread = 15;
        try {
            try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    MeshClient c = mesh.clientOf(mesh.workload("client"));
                    results.add(pool.submit(() -> {
                        int ok = 0;
                        for (int i = 0; i < perThread; i++) {
                            ok += c.tryGet("down:9080", "/x").status() == 503 ? 1 : 0;
                        }
                        return ok;
                    }));
                }
                int answered = 0;
                for (Future<Integer> r : results) {
                    answered += r.get();
                }
                // a request or two may time out at the client on a busy machine; the others get the upstream's 503
                assertThat(answered).as("requests answered 503").isGreaterThanOrEqualTo(threads * perThread * 95 / 100);
            }
        } finally {
            down.delay(0);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long requests = 10 + (long) threads * perThread;
        // one window (at least 9 s of slots) holds the whole test when it took less than that; a slower run spans
        // more windows, each allowing its own floor and 20% of the requests it saw (at most all of them)
        long windows = (long) Math.ceil(seconds / 9.0);
        // + event loops: loops deciding at the same instant may each pass the budget's check once
        long bound = requests + windows * ((long) (ratio * requests) + floorPerWindow)
                + Runtime.getRuntime().availableProcessors();
        System.out.printf("total outage: %d attempts for %d requests (%.3f per request; bound %.3f = 1 + %.1f "
                        + "+ floor %.3f over %d window(s)) in %.1f s, at most %d retries at once%n", down.requests(),
                requests, down.requests() / (double) requests, bound / (double) requests, ratio,
                (bound - requests - windows * (long) (ratio * requests)) / (double) requests, windows, seconds,
                down.maxRetriesInFlight());
        assertThat(down.maxRetriesInFlight()).as("retries in flight at once").isBetween(1, threads / 5);
        assertThat(down.requests()).as("upstream attempts for %d requests in %.1f s", requests, seconds)
                .isLessThanOrEqualTo(bound);
    }

    @Test
    void aChainOfRetryingSidecarsDoesNotMultiplyAttempts() {
        down.reset();
        int requests = 10;
        for (int i = 0; i < requests; i++) {
            Reply reply = client.tryGet("hop-a:9080", "/chain/" + i);
            assertThat(reply.status()).isEqualTo(503);
        }
        // client sidecar → hop-a → hop-b → down, every hop with 2 retries: 27 attempts each without the guard
        System.out.printf("3-hop chain: %d attempts at the failing backend for %d requests%n", down.requests(),
                requests);
        assertThat(down.requests()).as("attempts at the failing backend for %d requests", requests)
                .isLessThanOrEqualTo(3L * requests);
    }

    @Test
    void circuitBreakerOverflowIsAnImmediate503() throws Exception {
        Workload self = mesh.workload("client");
        String cluster = "outbound|8080||client.default.svc.cluster.local";
        // two requests far slower than the test (the upstream answers after 60 s): they hold http2MaxRequests (2)
        // however long a loaded machine takes to get here, and the test hangs up on them when done
        List<java.net.Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                java.net.Socket s = new java.net.Socket("127.0.0.1", self.sidecar().outboundPort());
                s.getOutputStream().write(("GET http://client:8080/delay/60000 HTTP/1.1\r\nHost: client:8080\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                    activeRequests(self, cluster) == 2);
            long start = System.nanoTime();
            Reply overflow = client.tryGet("client:8080", "/overflow");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("circuit breaker overflow answered in %d ms%n", tookMs);
            assertThat(overflow.status()).as("%s", overflow).isEqualTo(503);
            assertThat(overflow.header("x-weft-response-flags")).isEqualTo("UO");
            // immediate: answered while both requests still hold the limit, so it never waited for one to end
            assertThat(activeRequests(self, cluster)).as("requests still in flight").isEqualTo(2);
            for (java.net.Socket s : slow) {
                assertThat(s.getInputStream().available()).as("no answer yet to a slow request").isZero();
            }
        } finally {
            for (java.net.Socket s : slow) {
                s.close();
            }
        }
        // the client left: the limit frees up and requests pass again
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                activeRequests(self, cluster) == 0);
        assertThat(client.tryGet("client:8080", "/after").status()).as("closes again").isEqualTo(200);
    }

    private static int activeRequests(Workload workload, String cluster) throws Exception {
        Reply clusters = Mesh.plainGet(workload.sidecar().adminUrl("/clusters"));
        for (com.fasterxml.jackson.databind.JsonNode c : clusters.json()) {
            if (c.path("name").asText().equals(cluster)) {
                return c.path("retryBudget").path("activeRequests").asInt();
            }
        }
        return -1;
    }

    @Test
    void theDeadlineTravelsWithTheRequest() {
        Reply timed = client.tryGet("client:8080", "/timed");
        assertThat(timed.status()).isEqualTo(200);
        long deadline = Long.parseLong(timed.json().path("headers").path("x-weft-deadline-ms").asText("0"));
        assertThat(deadline).as("deadline the app saw").isBetween(1L, 3000L);

        // a caller that will wait only 300 ms: the sidecar gives up then, though its route has no timeout
        long start = System.nanoTime();
        Reply late = client.tryGet("client:8080", "/delay/3000", "x-weft-deadline-ms", "300");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(late.status()).isEqualTo(504);
        assertThat(late.header("x-weft-response-flags")).isEqualTo("UT");
        assertThat(tookMs).isBetween(250L, 2500L);
    }
}
