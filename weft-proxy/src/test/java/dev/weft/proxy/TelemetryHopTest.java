package dev.weft.proxy;

import static dev.weft.proxy.TestConfigs.forward;
import static dev.weft.proxy.TestConfigs.host;
import static dev.weft.proxy.TestConfigs.prefix;
import static dev.weft.proxy.TestConfigs.route;
import static dev.weft.proxy.TestConfigs.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.HttpConnectionManagerConfig;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.telemetry.DestinationService;
import dev.weft.dataplane.telemetry.RequestLabels;
import dev.weft.dataplane.telemetry.Workload;
import dev.weft.proxy.telemetry.ProxyTelemetry;
import dev.weft.proxy.telemetry.TelemetryOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One hop between two sidecars through real sockets: the client side's outbound listener, the server side's inbound
 * listener, and a backend. Checks the metadata exchange (both sides know the peer, the apps never see the headers),
 * Istio's metric labels on both reporters, exact counts under concurrency, trace propagation and the access log.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TelemetryHopTest {
    private static final String REVIEWS_CLUSTER = "outbound|9080||reviews.default.svc.cluster.local";
    private static final Workload PRODUCTPAGE = Workload.fromLabels("productpage-v1", "default", "bookinfo-productpage",
            Map.of("app", "productpage", "version", "v1"));
    private static final Workload REVIEWS = Workload.fromLabels("reviews-v2", "default", "bookinfo-reviews",
            Map.of("app", "reviews", "version", "v2"));

    @TempDir
    Path temp;
    private TestBackend backend;
    private ProxyRuntime client;
    private ProxyRuntime server;
    private int clientPort;

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend("reviews-v2");
        server = new ProxyRuntime(new DefaultClusterManager(), new ProxyTelemetry(REVIEWS,
                "sidecar~127.0.0.1~reviews-1.default", "reviews.default.svc.cluster.local",
                new TelemetryOptions("reviews-v2", temp.resolve("server-access.log").toString(),
                        TelemetryOptions.AccessLogFormat.JSON, null, null, 100)));
        server.apply(snapshot("inbound", "inbound|9080||", staticCluster("inbound|9080||", backend.port())));
        int inboundPort = server.listenerPort("inbound");
        client = new ProxyRuntime(new DefaultClusterManager(), new ProxyTelemetry(PRODUCTPAGE,
                "sidecar~127.0.0.1~productpage-1.default", "productpage.default.svc.cluster.local",
                new TelemetryOptions("productpage-v1", temp.resolve("client-access.log").toString(),
                        TelemetryOptions.AccessLogFormat.TEXT, null, null, 0)));
        client.apply(snapshot("outbound", REVIEWS_CLUSTER, staticCluster(REVIEWS_CLUSTER, inboundPort)));
        clientPort = client.listenerPort("outbound");
    }

    private static ConfigSnapshot snapshot(String listener, String cluster, ClusterConfig clusterConfig) {
        RouteTable table = new RouteTable(listener, List.of(host("reviews", List.of("*"),
                route("all", prefix("/"), forward(cluster)))));
        HttpConnectionManagerConfig hcm = new HttpConnectionManagerConfig(listener, null, table,
                List.of("envoy.filters.http.router"), true);
        return new ConfigSnapshot(Map.of(), Map.of(listener, new ListenerConfig(listener, "127.0.0.1", 0, hcm)),
                Map.of(), Map.of(cluster, clusterConfig), Map.of());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        backend.close();
    }

    private static RequestLabels clientLabels(int code, String flags) {
        DestinationService d = DestinationService.ofHost("reviews.default.svc.cluster.local");
        return new RequestLabels("source", PRODUCTPAGE, "unknown", REVIEWS, "unknown", d.host(), d.name(),
                d.namespace(), "http", code, "-", flags, "unknown");
    }

    private static RequestLabels serverLabels(int code) {
        return new RequestLabels("destination", PRODUCTPAGE, "unknown", REVIEWS, "unknown",
                "reviews.default.svc.cluster.local", "reviews", "default", "http", code, "-", "-", "none");
    }

    @Test
    void bothSidesKnowThePeerAndTheAppsNeverSeeTheExchangeHeaders() throws Exception {
        try (RawHttpClient c = new RawHttpClient(clientPort)) {
            RawHttpClient.Response r = c.get("/reviews/1", "Host: reviews:9080", "traceparent: "
                    + "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-envoy-peer-metadata")).as("stripped before the calling app").isNull();
            assertThat(r.echoed("header.x-envoy-peer-metadata")).as("stripped before the called app").isNull();
            assertThat(r.echoed("header.x-envoy-peer-metadata-id")).isNull();
            // the trace continues: same trace id, a new parent (the server sidecar's span), still sampled
            String traceparent = r.echoed("header.traceparent");
            assertThat(traceparent).startsWith("00-0af7651916cd43dd8448eb211c80319c-").endsWith("-01")
                    .doesNotContain("b7ad6b7169203331");
            assertThat(c.get("/status", "Host: reviews").status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(client.telemetry().requests().requests(clientLabels(200, "-"))).isEqualTo(2);
            assertThat(server.telemetry().requests().requests(serverLabels(200))).isEqualTo(2);
        });
        StringBuilder text = new StringBuilder();
        client.telemetry().writePrometheus(text);
        assertThat(text.toString())
                .contains("istio_requests_total{reporter=\"source\",source_workload=\"productpage-v1\","
                        + "source_canonical_service=\"productpage\",source_canonical_revision=\"v1\","
                        + "source_workload_namespace=\"default\",source_principal=\"unknown\",source_app=\"productpage\","
                        + "source_version=\"v1\",destination_workload=\"reviews-v2\"")
                .contains("destination_service=\"reviews.default.svc.cluster.local\"")
                .contains("destination_service_name=\"reviews\",destination_service_namespace=\"default\","
                        + "request_protocol=\"http\",response_code=\"200\",grpc_response_status=\"-\","
                        + "response_flags=\"-\",connection_security_policy=\"unknown\"} 2")
                .contains("istio_request_duration_milliseconds_bucket{reporter=\"source\"")
                .contains(",le=\"0.5\"}")
                .contains(",le=\"+Inf\"} 2")
                .contains("istio_response_bytes_count{reporter=\"source\"");

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            List<String> clientLog = Files.readAllLines(temp.resolve("client-access.log"));
            assertThat(clientLog).hasSize(2);
            assertThat(clientLog.getFirst()).matches("\\[\\d{4}-\\d\\d-\\d\\dT[^]]+Z] \"GET /reviews/1 HTTP/1.1\" 200 - 0 "
                    + "\\d+ \\d+ - \"127.0.0.1\" \"-\" \"[0-9a-f-]{36}\" \"reviews:9080\" \"127.0.0.1:\\d+\"");
            List<String> serverLog = Files.readAllLines(temp.resolve("server-access.log"));
            assertThat(serverLog).hasSize(2);
            assertThat(serverLog.getFirst()).startsWith("{\"start_time\":\"").contains("\"method\":\"GET\"",
                    "\"path\":\"/reviews/1\"", "\"response_code\":200", "\"response_flags\":\"-\"",
                    "\"upstream_cluster\":\"inbound|9080||\"");
        });
    }

    @Test
    void localRepliesAndUnreachableUpstreamsAreCountedWithTheirFlags() throws Exception {
        backend.close(); // the server sidecar now fails to connect: 503 UF on its side
        try (RawHttpClient c = new RawHttpClient(clientPort)) {
            assertThat(c.get("/x", "Host: reviews").status()).isEqualTo(503);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            // the client side saw the server sidecar answer: no flag of its own, the peer is still known
            assertThat(client.telemetry().requests().requests(clientLabels(503, "-"))).isEqualTo(1);
            assertThat(server.telemetry().requests().requests(new RequestLabels("destination", PRODUCTPAGE, "unknown",
                    REVIEWS, "unknown", "reviews.default.svc.cluster.local", "reviews", "default", "http", 503, "-",
                    "UF", "none"))).isEqualTo(1);
        });
    }

    @Test
    void theExchangeWorksOverHttp2BetweenSidecars() throws Exception {
        ClusterConfig h1 = staticCluster(REVIEWS_CLUSTER, server.listenerPort("inbound"));
        ClusterConfig h2 = new ClusterConfig(h1.name(), h1.type(), null, h1.loadAssignment(), h1.lbPolicy(), 0,
                h1.connectTimeout(), 0, true);
        client.apply(snapshot("outbound", REVIEWS_CLUSTER, h2));
        try (RawHttpClient c = new RawHttpClient(clientPort)) {
            RawHttpClient.Response r = c.get("/over-h2", "Host: reviews");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-envoy-peer-metadata")).isNull();
            assertThat(r.echoed("header.x-envoy-peer-metadata")).isNull();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(client.telemetry().requests().requests(clientLabels(200, "-"))).isEqualTo(1);
            assertThat(server.telemetry().requests().requests(serverLabels(200))).isEqualTo(1);
            assertThat(Files.readAllLines(temp.resolve("server-access.log")))
                    .anySatisfy(line -> assertThat(line).contains("\"path\":\"/over-h2\"", "\"protocol\":\"HTTP/2\""));
        });
    }

    @Test
    void countsAreExactUnderConcurrentLoad() throws Exception {
        int threads = 8;
        int perThread = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    int ok = 0;
                    try (RawHttpClient c = new RawHttpClient(clientPort)) {
                        for (int i = 0; i < perThread; i++) {
                            ok += c.get("/load", "Host: reviews").status() == 200 ? 1 : 0;
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(perThread);
            }
        } finally {
            pool.shutdownNow();
        }
        long expected = (long) threads * perThread;
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(client.telemetry().requests().requests(clientLabels(200, "-"))).isEqualTo(expected);
            assertThat(server.telemetry().requests().requests(serverLabels(200))).isEqualTo(expected);
        });
        StringBuilder text = new StringBuilder();
        server.telemetry().writePrometheus(text);
        assertThat(text.toString()).contains("le=\"+Inf\"} " + expected).contains("_count{reporter=\"destination\"");
        assertThat(server.telemetry().requests().seriesCount()).isEqualTo(1);
    }
}
