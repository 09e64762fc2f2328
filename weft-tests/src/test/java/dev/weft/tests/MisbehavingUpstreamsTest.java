package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.MisbehavingApp;
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
 * Three replicas, one misbehaving at the socket level — it hangs (accepts, never answers) or resets connections
 * (RST) — measured from a client through two sidecars: without retries or outlier detection about a third of the
 * requests fail; with retries (per-try timeout 400 ms — generous because a loaded CI machine can take longer than 150 ms on a healthy replica —, another host each time) and outlier detection (ejected after
 * one failure) fewer than 0.1% do.
 */
class MisbehavingUpstreamsTest {
    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: wobbly
            spec:
              hosts: [wobbly]
              http:
              - match: [{headers: {x-retries: {exact: "off"}}}]
                timeout: 500ms
                retries: {attempts: 0}
                route: [{destination: {host: wobbly, subset: raw}}]
              - match: [{headers: {x-pool: {exact: hang}}}]
                timeout: 3s
                retries: {attempts: 2, perTryTimeout: 400ms, retryOn: "5xx,reset,connect-failure"}
                route: [{destination: {host: wobbly, subset: hang}}]
              - match: [{headers: {x-pool: {exact: reset}}}]
                timeout: 3s
                retries: {attempts: 2, perTryTimeout: 400ms, retryOn: "5xx,reset,connect-failure"}
                route: [{destination: {host: wobbly, subset: reset}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: wobbly
            spec:
              host: wobbly
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
              subsets:
              - name: raw
                labels: {app: wobbly}
              - name: hang
                labels: {app: wobbly}
                trafficPolicy:
                  loadBalancer: {simple: ROUND_ROBIN}
                  outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 50}
              - name: reset
                labels: {app: wobbly}
                trafficPolicy:
                  loadBalancer: {simple: ROUND_ROBIN}
                  outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 50}
            """;

    private static Mesh mesh;
    private static final List<TestApp> apps = new ArrayList<>();
    private static MisbehavingApp bad;

    @BeforeAll
    static void startMesh() {
        mesh = Mesh.create("misbehaving");
        mesh.writeConfig("wobbly.yaml", CONFIG);
        mesh.startControlPlane();
        Workload client = mesh.addEchoWorkload("client", "client", "v1", 8080);
        for (String name : List.of("wobbly-ok-1", "wobbly-ok-2")) {
            mesh.addTestAppWorkload(name, "wobbly", "v1", 9080,
                    (port, outbound) -> apps.add(TestApp.start(name, port, outbound, new TestApp.Healthy())));
        }
        mesh.addTestAppWorkload("wobbly-bad", "wobbly", "v1", 9080,
                (port, outbound) -> bad = MisbehavingApp.start(port, MisbehavingApp.Mode.HANG));
        mesh.awaitReady();
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).until(() ->
                endpoints(client, "outbound|9080|raw|wobbly.default.svc.cluster.local") == 3
                        && endpoints(client, "outbound|9080|hang|wobbly.default.svc.cluster.local") == 3
                        && endpoints(client, "outbound|9080|reset|wobbly.default.svc.cluster.local") == 3
                        // the raw pool: a warm-up must not get the bad replica ejected from the guarded ones
                        && mesh.clientOf(client).tryGet("wobbly:9080", "/", "x-retries", "off").status() == 200);
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
        apps.forEach(TestApp::close);
        if (bad != null) {
            bad.close();
        }
    }

    private static int endpoints(Workload workload, String cluster) {
        try {
            Reply clusters = Mesh.plainGet(workload.sidecar().adminUrl("/clusters"));
            for (com.fasterxml.jackson.databind.JsonNode c : clusters.json()) {
                if (c.path("name").asText().equals(cluster)) {
                    return c.path("endpoints").size();
                }
            }
            return 0;
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * {@code requests} requests from {@code threads} clients at once; returns how many did not get a 200 (an error
     * status, a proxy timeout or a client timeout). {@code pool}: the guarded subset, null for the raw one.
     */
    private static int errors(String pool, int requests, int threads) throws Exception {
        try (ExecutorService executor = Executors.newFixedThreadPool(threads)) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                MeshClient c = mesh.clientOf(mesh.workload("client"));
                int share = requests / threads + (t < requests % threads ? 1 : 0);
                results.add(executor.submit(() -> {
                    int errors = 0;
                    for (int i = 0; i < share; i++) {
                        Reply r = pool != null ? c.tryGet("wobbly:9080", "/w/" + i, "x-pool", pool)
                                : c.tryGet("wobbly:9080", "/w/" + i, "x-retries", "off");
                        if (r.status() != 200) {
                            errors++;
                            if (pool != null) {
                                System.out.printf("error with retries (%s): %d %s %s%n", pool, r.status(),
                                        r.header("x-weft-response-flags"), r.body().strip());
                            }
                        }
                    }
                    return errors;
                }));
            }
            int errors = 0;
            for (Future<Integer> f : results) {
                errors += f.get();
            }
            return errors;
        }
    }

    private static void assertRetriesAndOutlierDetectionHideIt(MisbehavingApp.Mode mode, String pool, String what)
            throws Exception {
        bad.mode(mode);
        int threads = 6;
        int baseline = 180;
        long start = System.nanoTime();
        // more clients for the baseline: a third of its requests wait for the route's 500 ms timeout when it hangs
        int without = errors(null, baseline, 2 * threads);
        double withoutSeconds = (System.nanoTime() - start) / 1e9;
        int requests = 1200;
        start = System.nanoTime();
        int with = errors(pool, requests, threads);
        double withSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %d/%d errors (%.1f%%) without retries or outlier detection in %.1f s; %d/%d (%.3f%%) "
                        + "with them in %.1f s%n", what, without, baseline, 100.0 * without / baseline, withoutSeconds,
                with, requests, 100.0 * with / requests, withSeconds);
        // round robin over three replicas, one bad: a third of the requests fail without retries
        assertThat(without).as("errors without retries or outlier detection")
                .isBetween(baseline * 25 / 100, baseline * 42 / 100);
        assertThat(with * 1000).as("errors with retries + outlier detection (%d of %d): under 0.1%%", with, requests)
                .isLessThan(requests);
    }

    @Test
    void aHangingReplicaIsRetriedPastAndEjected() throws Exception {
        assertRetriesAndOutlierDetectionHideIt(MisbehavingApp.Mode.HANG, "hang", "1 of 3 replicas hangs");
    }

    @Test
    void aReplicaResettingConnectionsIsRetriedPastAndEjected() throws Exception {
        assertRetriesAndOutlierDetectionHideIt(MisbehavingApp.Mode.RESET, "reset", "1 of 3 replicas resets connections");
    }
}
