package dev.weft.proxy;

import static dev.weft.proxy.TestConfigs.forward;
import static dev.weft.proxy.TestConfigs.host;
import static dev.weft.proxy.TestConfigs.prefix;
import static dev.weft.proxy.TestConfigs.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.HttpConnectionManagerConfig;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.ratelimit.LocalRateLimitConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The local rate limit on the data path: a route's config replaces the listener's, limited requests are local
 * replies that leave the connection usable, and buckets survive config pushes that do not change them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalRateLimitDataPathTest {
    private static final long MINUTE = 60_000_000_000L;
    private TestBackend v1;
    private ProxyRuntime proxy;

    @BeforeEach
    void start() throws IOException {
        v1 = new TestBackend("v1");
        proxy = new ProxyRuntime(new DefaultClusterManager());
    }

    @AfterEach
    void stop() {
        proxy.close();
        v1.close();
    }

    private static LocalRateLimitConfig limit(long tokens, int status) {
        return new LocalRateLimitConfig("http_local_rate_limiter", new LocalRateLimitConfig.Bucket(tokens, 1, MINUTE),
                LocalRateLimitConfig.MILLION, LocalRateLimitConfig.MILLION, status, true);
    }

    /** Listener bucket of {@code listenerTokens}; {@code /scoped} has its own 1-token bucket answered with 503. */
    private int apply(long listenerTokens, String statPrefix) {
        List<Route> routes = List.of(
                new Route("scoped", prefix("/scoped"), forward("v1"), HeaderMutations.NONE, HeaderMutations.NONE,
                        null, List.of(), limit(1, 503)),
                new Route("exempt", prefix("/exempt"), forward("v1"), HeaderMutations.NONE, HeaderMutations.NONE,
                        null, List.of(), new LocalRateLimitConfig("", null, 0, 0, 429, false)),
                new Route("plain", prefix("/"), forward("v1"), HeaderMutations.NONE, HeaderMutations.NONE));
        HttpConnectionManagerConfig hcm = new HttpConnectionManagerConfig(statPrefix, null,
                new RouteTable("inbound", List.of(host("ratings", List.of("*"), routes.toArray(Route[]::new)))),
                List.of(LocalRateLimitConfig.FILTER, "envoy.filters.http.router"), true, false, 0, List.of(),
                limit(listenerTokens, 429));
        proxy.apply(new ConfigSnapshot(Map.of(), Map.of("inbound", new ListenerConfig("inbound", "127.0.0.1", 0,
                hcm)), Map.of(), Map.of("v1", staticCluster("v1", v1.port())), Map.of()));
        return proxy.listenerPort("inbound");
    }

    @Test
    void aRouteWithTheFilterDisabledIsNotLimitedByTheListenersBucket() throws IOException {
        int port = apply(1, "inbound");
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/a", "Host: ratings").status()).isEqualTo(200);
            assertThat(c.get("/a", "Host: ratings").status()).as("the listener's bucket is empty").isEqualTo(429);
            for (int i = 0; i < 3; i++) {
                RawHttpClient.Response exempt = c.get("/exempt", "Host: ratings");
                assertThat(exempt.status()).as("the route's config replaces the listener's").isEqualTo(200);
                assertThat(exempt.header("x-ratelimit-limit")).isNull();
            }
        }
    }

    @Test
    void routeAndListenerBucketsAreSeparateAndSurviveUnrelatedPushes() throws IOException {
        int port = apply(2, "inbound");
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response first = c.get("/a", "Host: ratings");
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("x-ratelimit-limit")).isEqualTo("2");
            assertThat(first.header("x-ratelimit-remaining")).isEqualTo("1");
            assertThat(c.get("/scoped", "Host: ratings").status()).as("the route's own bucket").isEqualTo(200);
            RawHttpClient.Response scopedAgain = c.get("/scoped", "Host: ratings");
            assertThat(scopedAgain.status()).as("the route's status").isEqualTo(503);
            assertThat(scopedAgain.header("x-ratelimit-limit")).isEqualTo("1");
            assertThat(c.get("/b", "Host: ratings").status()).as("listener bucket untouched by /scoped").isEqualTo(200);

            // a limited POST is refused before its body is read; the connection still serves the next request
            byte[] body = "x".repeat(5_000).getBytes(StandardCharsets.UTF_8);
            c.sendHead("POST", "/c", "Host: ratings", "Content-Length: " + body.length);
            c.write(body);
            RawHttpClient.Response limited = c.readResponse(false);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(new String(limited.body(), StandardCharsets.UTF_8)).isEqualTo("local_rate_limited");
            assertThat(limited.header("x-weft-response-flags")).isEqualTo("RL");
            assertThat(limited.header("x-envoy-ratelimited")).isEqualTo("true");
            assertThat(limited.header("x-ratelimit-remaining")).isEqualTo("0");
            assertThat(Long.parseLong(limited.header("x-ratelimit-reset"))).isBetween(1L, 60L);
            assertThat(c.get("/d", "Host: ratings").status()).isEqualTo(429);
        }
        // the same limits pushed again (another part of the config changed): the buckets stay empty
        apply(2, "inbound");
        try (RawHttpClient c = new RawHttpClient(port)) {
            assertThat(c.get("/e", "Host: ratings").status()).isEqualTo(429);
            assertThat(c.get("/scoped", "Host: ratings").status()).isEqualTo(503);
        }
        // new settings for the listener's bucket: a new, full bucket; the unchanged route keeps its empty one
        apply(3, "inbound");
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response r = c.get("/f", "Host: ratings");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-ratelimit-limit")).isEqualTo("3");
            assertThat(c.get("/scoped", "Host: ratings").status()).isEqualTo(503);
        }
        var stats = new StringBuilder();
        proxy.telemetry().resilience().writePrometheus(stats);
        assertThat(stats.toString())
                .contains("envoy_http_local_rate_limit_enforced{stat_prefix=\"http_local_rate_limiter\"} 6")
                .contains("envoy_http_local_rate_limit_ok{stat_prefix=\"http_local_rate_limiter\"} 4");
    }
}
