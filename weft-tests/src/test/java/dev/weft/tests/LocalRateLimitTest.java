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
 * Weft's {@code LocalRateLimit} end to end: the ratings workload's own sidecar holds a 10-per-second bucket for
 * everything it accepts and a separate bucket for {@code POST /ratings/reviews}; a burst gets about 10 answers and
 * 429s with {@code x-ratelimit-*} headers for the rest, the bucket refills with time, and the route's bucket neither
 * takes from nor is taken from the workload's.
 */
class LocalRateLimitTest {
    private static final String CONFIG = """
            apiVersion: weft.dev/v1alpha1
            kind: LocalRateLimit
            metadata:
              name: ratings
            spec:
              selector:
                matchLabels:
                  app: ratings
              tokenBucket:
                maxTokens: 10
                tokensPerFill: 10
                fillInterval: 1s
              routes:
              - name: review-writes
                match:
                  uri: {prefix: /ratings/reviews}
                  method: {exact: POST}
                tokenBucket:
                  maxTokens: 3
                  fillInterval: 60s
            """;
    private static final String RATINGS = "ratings:9080";

    private static Mesh mesh;
    private static MeshClient client;
    private static TestApp ratings;
    private static Workload ratingsWorkload;

    @BeforeAll
    static void startMesh() {
        mesh = Mesh.create("ratelimit");
        mesh.writeConfig("ratelimit.yaml", CONFIG);
        mesh.startControlPlane();
        Workload clientWorkload = mesh.addEchoWorkload("client", "client", "v1", 8080);
        TestApp[] started = new TestApp[1];
        ratingsWorkload = mesh.addTestAppWorkload("ratings", "ratings", "v1", 9080,
                (port, outbound) -> started[0] = TestApp.start("ratings", port, outbound, new TestApp.Healthy()));
        ratings = started[0];
        mesh.awaitReady();
        client = mesh.clientOf(clientWorkload);
        // the limit has arrived once answers carry its headers
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).until(() ->
                "10".equals(client.tryGet(RATINGS, "/warmup").header("x-ratelimit-limit")));
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
        if (ratings != null) {
            ratings.close();
        }
    }

    /** Waits out a fill interval, so the workload bucket is full again (10 tokens a second, at most 10). */
    private static void awaitRefill() throws InterruptedException {
        Thread.sleep(1_100);
    }

    @Test
    void aBurstGetsTheBucketsTokensThenLimitedRepliesThenPassesAgainAfterARefill() throws Exception {
        awaitRefill();
        int requests = 100;
        long backendBefore = ratings.requests();
        List<Reply> replies = new ArrayList<>(requests);
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Reply>> futures = new ArrayList<>(requests);
            for (int i = 0; i < requests; i++) {
                int n = i;
                futures.add(pool.submit(() -> client.tryGet(RATINGS, "/ratings/" + n)));
            }
            for (Future<Reply> f : futures) {
                replies.add(f.get());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int ok = 0;
        int limited = 0;
        for (Reply r : replies) {
            assertThat(r.header("x-ratelimit-limit")).as("limit header on %s", r).isEqualTo("10");
            long remaining = Long.parseLong(r.header("x-ratelimit-remaining"));
            long reset = Long.parseLong(r.header("x-ratelimit-reset"));
            assertThat(remaining).isBetween(0L, 9L);
            assertThat(reset).as("seconds until the next fill").isBetween(0L, 1L);
            if (r.status() == 200) {
                ok++;
            } else {
                assertThat(r.status()).as("reply %s", r).isEqualTo(429);
                assertThat(r.body()).isEqualTo("local_rate_limited");
                assertThat(r.header("x-weft-response-flags")).isEqualTo("RL");
                assertThat(r.header("x-envoy-ratelimited")).isEqualTo("true");
                assertThat(remaining).isZero();
                limited++;
            }
        }
        // 10 tokens to start with, and 10 more for every fill the burst lived through (a loaded machine is slow)
        long fills = (long) Math.floor(seconds) + 1;
        System.out.printf("local rate limit 10/s: %d of %d passed, %d limited, burst took %.2f s%n", ok, requests,
                limited, seconds);
        assertThat(ok).as("requests that passed in a %.2f s burst", seconds).isBetween(10, (int) (10 + 10 * fills));
        assertThat(ok + limited).isEqualTo(requests);
        int passed = ok;
        await().atMost(Duration.ofSeconds(5)).until(() -> ratings.requests() - backendBefore >= passed);
        assertThat(ratings.requests() - backendBefore).as("limited requests never reach the app").isEqualTo(ok);

        // with time the bucket fills again
        awaitRefill();
        for (int i = 0; i < 5; i++) {
            assertThat(client.get(RATINGS, "/ratings/after-" + i).status()).isEqualTo(200);
        }

        // limited replies are local replies: in the sidecar's own counters and in Istio's request metrics
        String stats = Metrics.scrape(ratingsWorkload);
        assertThat(Metrics.sum(stats, "envoy_http_local_rate_limit_enforced",
                "stat_prefix=\"http_local_rate_limiter\"")).isGreaterThanOrEqualTo(limited);
        assertThat(Metrics.sum(stats, "envoy_http_local_rate_limit_ok",
                "stat_prefix=\"http_local_rate_limiter\"")).isGreaterThanOrEqualTo(ok + 5);
        assertThat(Metrics.sum(stats, "istio_requests_total", "reporter=\"destination\"", "response_code=\"429\"",
                "response_flags=\"RL\"")).as("istio_requests_total for limited requests").isGreaterThanOrEqualTo(limited);
    }

    @Test
    void aRouteBucketIsSeparateFromTheWorkloadBucket() throws Exception {
        awaitRefill();
        // the route's own bucket: 3 tokens, refilled only after a minute
        int routeOk = 0;
        for (int i = 0; i < 6; i++) {
            Reply r = client.post(RATINGS, "/ratings/reviews/" + i, "{\"stars\":4}");
            if (r.status() == 200) {
                routeOk++;
                assertThat(r.header("x-ratelimit-limit")).isEqualTo("3");
            } else {
                assertThat(r.status()).as("reply %s", r).isEqualTo(429);
            }
        }
        assertThat(routeOk).as("POSTs that passed the route's 3-token bucket").isEqualTo(3);
        // the other routes still take from the workload bucket, untouched by the POSTs: all of these pass
        for (int i = 0; i < 8; i++) {
            Reply r = client.get(RATINGS, "/ratings/reviews/" + i);
            assertThat(r.status()).as("GET on another route %s", r).isEqualTo(200);
            assertThat(r.header("x-ratelimit-limit")).isEqualTo("10");
        }
        assertThat(client.post(RATINGS, "/ratings/reviews/again", "{}").status())
                .as("the route's bucket is still empty").isEqualTo(429);
    }
}
