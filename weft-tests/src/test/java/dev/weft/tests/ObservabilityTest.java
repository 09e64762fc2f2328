package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.cli.launch.FreePorts;
import dev.weft.cli.launch.LocalMesh;
import dev.weft.cli.launch.Sidecar;
import dev.weft.cli.launch.SidecarSpec;
import dev.weft.demo.DemoService;
import dev.weft.demo.DemoServiceOptions;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.ProcessHarness;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Golden signals and traces from a real mesh: three workloads in a chain (frontend → middle → backend, each app
 * forwarding the trace headers), scraped by a real Prometheus and exporting spans to a collector stub in the test.
 * Needs the {@code prometheus} binary (Debian package {@code prometheus}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MIDDLE_PORT = 9080;
    private static final int BACKEND_PORT = 9090;
    private static final List<String> PROPAGATED = List.of("traceparent", "tracestate", "x-request-id", "x-b3-traceid",
            "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "b3");

    private static LocalMesh mesh;
    private static final List<AutoCloseable> apps = new ArrayList<>();
    private static Sidecar frontend;
    private static Sidecar middle;
    private static Sidecar backend;
    private static HttpServer collector;
    private static final ConcurrentLinkedQueue<JsonNode> exportedSpans = new ConcurrentLinkedQueue<>();
    private static Process prometheus;
    private static int prometheusPort;
    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void startMesh() throws Exception {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        collector.createContext("/v1/traces", ObservabilityTest::collect);
        collector.start();
        List<String> telemetryArgs = List.of("--tracing-endpoint",
                "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces",
                "--tracing-sampling", "0", "--access-log", "stdout");

        Path work = ProcessHarness.workDir("observability");
        mesh = new LocalMesh(ProcessHarness.launcher(work), work);
        // Istio's default retry policy would retry the 503s below, adding attempts to the destination-side counts
        java.nio.file.Files.writeString(mesh.configDir().resolve("no-retries.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: middle}
                spec:
                  hosts: [middle]
                  http: [{retries: {attempts: 0}, route: [{destination: {host: middle}}]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: backend}
                spec:
                  hosts: [backend]
                  http: [{retries: {attempts: 0}, route: [{destination: {host: backend}}]}]
                """);
        // Plaintext sidecars (no join tokens) may register only with the opt-in flag, as in the shared harness.
        mesh.startControlPlane("--allow-unauthenticated-registration").awaitReady(Mesh.STARTUP);
        int backendApp = FreePorts.next();
        apps.add(DemoService.start(new DemoServiceOptions("echo", "v1", backendApp, null)));
        backend = mesh.createSidecar(SidecarSpec.of("backend", "backend", "v1", backendApp, BACKEND_PORT))
                .extraArgs(telemetryArgs).start();
        middle = forwardingWorkload("middle", MIDDLE_PORT, "backend:" + BACKEND_PORT, telemetryArgs);
        frontend = forwardingWorkload("frontend", 8080, "middle:" + MIDDLE_PORT, telemetryArgs);
        for (Sidecar s : List.of(backend, middle, frontend)) {
            s.awaitReady(Mesh.STARTUP);
        }
        prometheus = startPrometheus(work, List.of(frontend, middle, backend), mesh.controlPlane().httpPort());
    }

    /** A workload whose app forwards every request (same path, trace headers copied) to {@code next}. */
    private static Sidecar forwardingWorkload(String name, int servicePort, String next, List<String> args)
            throws IOException {
        int appPort = FreePorts.next();
        Sidecar sidecar = mesh.createSidecar(SidecarSpec.of(name, name, "v1", appPort, servicePort)).extraArgs(args);
        HttpClient viaSidecar = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", sidecar.outboundPort()))).build();
        HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", appPort), 64);
        app.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        app.createContext("/", exchange -> {
            try (exchange) {
                HttpRequest.Builder call = HttpRequest.newBuilder(URI.create("http://" + next
                        + exchange.getRequestURI())).timeout(Duration.ofSeconds(30)); // generous: cold JVMs on 2 shared cores
                for (String h : PROPAGATED) {
                    String v = exchange.getRequestHeaders().getFirst(h);
                    if (v != null) {
                        call.header(h, v);
                    }
                }
                HttpResponse<byte[]> response = viaSidecar.send(call.build(), HttpResponse.BodyHandlers.ofByteArray());
                exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
                if (response.body().length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(response.body());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                exchange.sendResponseHeaders(502, -1); // says in the access log that the forwarder failed
            }
        });
        app.start();
        apps.add(() -> app.stop(0));
        return sidecar.start();
    }

    private static Process startPrometheus(Path work, List<Sidecar> targets, int controlPlanePort)
            throws IOException {
        String binary = System.getenv().getOrDefault("WEFT_PROMETHEUS", "prometheus");
        prometheusPort = FreePorts.next();
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: weft-sidecars
                    metrics_path: /stats/prometheus
                    static_configs:
                      - targets: [""");
        for (int i = 0; i < targets.size(); i++) {
            config.append(i == 0 ? "" : ", ").append("'127.0.0.1:").append(targets.get(i).adminPort()).append('\'');
        }
        config.append("]\n");
        config.append("  - job_name: weft-controlplane\n")
                .append("    metrics_path: /metrics\n")
                .append("    static_configs:\n")
                .append("      - targets: ['127.0.0.1:").append(controlPlanePort).append("']\n");
        Path dir = Files.createDirectories(work.resolve("prometheus"));
        Files.writeString(dir.resolve("prometheus.yml"), config);
        ProcessBuilder pb = new ProcessBuilder(binary, "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            return fail("cannot run '" + binary + "' (" + e.getMessage() + "): install the Debian package with "
                    + "'apt-get install -y prometheus', or set WEFT_PROMETHEUS to its path");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (!process.isAlive()) {
                fail("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/-/ready"))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        return process;
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (mesh != null) {
            mesh.close();
        }
        for (AutoCloseable app : apps) {
            app.close();
        }
        if (collector != null) {
            collector.stop(0);
        }
    }

    private static void collect(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            for (JsonNode rs : body.path("resourceSpans")) {
                String service = "";
                for (JsonNode a : rs.path("resource").path("attributes")) {
                    if (a.path("key").asText().equals("service.name")) {
                        service = a.path("value").path("stringValue").asText();
                    }
                }
                for (JsonNode ss : rs.path("scopeSpans")) {
                    for (JsonNode span : ss.path("spans")) {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) span).put("service", service);
                        exportedSpans.add(span);
                    }
                }
            }
            exchange.sendResponseHeaders(200, -1);
        }
    }

    private static int callFrontend(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + frontend.inboundPort() + path))
                .timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    @Order(1)
    void prometheusSeesRequestCountsPerSourceDestinationAndCode() throws Exception {
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String path = i % 3 == 0 ? "/status/503" : "/ok/" + i;
            statuses.add(pool.submit(() -> callFrontend(path)));
        }
        Map<Integer, Integer> byStatus = new HashMap<>();
        for (Future<Integer> f : statuses) {
            byStatus.merge(f.get(), 1, Integer::sum);
        }
        pool.shutdown();
        assertThat(byStatus).isEqualTo(Map.of(200, 40, 503, 20));

        Map<String, Double> expected = new HashMap<>();
        for (String reporter : List.of("source", "destination")) {
            expected.put(reporter + " frontend-v1 -> middle-v1 200", 40.0);
            expected.put(reporter + " frontend-v1 -> middle-v1 503", 20.0);
            expected.put(reporter + " middle-v1 -> backend-v1 200", 40.0);
            expected.put(reporter + " middle-v1 -> backend-v1 503", 20.0);
        }
        // the test called frontend's inbound port directly: no sidecar on the calling side
        expected.put("destination unknown -> frontend-v1 200", 40.0);
        expected.put("destination unknown -> frontend-v1 503", 20.0);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(query("sum by (reporter, source_workload, destination_workload, response_code) "
                        + "(istio_requests_total)")).isEqualTo(expected));

        // the other labels dashboards use are there, on the series Prometheus stored
        JsonNode series = queryRaw("istio_requests_total{reporter=\"source\",source_workload=\"frontend-v1\","
                + "response_code=\"200\"}").get(0).path("metric");
        assertThat(series.path("destination_service").asText()).isEqualTo("middle.default.svc.cluster.local");
        assertThat(series.path("destination_service_name").asText()).isEqualTo("middle");
        assertThat(series.path("destination_app").asText()).isEqualTo("middle");
        assertThat(series.path("destination_version").asText()).isEqualTo("v1");
        assertThat(series.path("source_workload_namespace").asText()).isEqualTo("default");
        assertThat(series.path("request_protocol").asText()).isEqualTo("http");
        assertThat(series.path("response_flags").asText()).isEqualTo("-");
        assertThat(query("sum(istio_request_duration_milliseconds_count{reporter=\"destination\","
                + "destination_workload=\"backend-v1\"})")).containsValue(60.0);
    }

    @Test
    @Order(2)
    void aTraceThroughThreeHopsArrivesAsOneTraceWithParentLinks() throws Exception {
        // sampling is 0% for new traces: an unsampled request produces no spans...
        assertThat(callFrontend("/unsampled")).isEqualTo(200);
        // ...while a caller's sampled decision is honoured at every hop
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String rootSpan = "00f067aa0ba902b7";
        assertThat(callFrontend("/traced", "traceparent", "00-" + traceId + "-" + rootSpan + "-01")).isEqualTo(200);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(spansOf(traceId)).hasSize(5));
        List<JsonNode> spans = spansOf(traceId);
        assertThat(exportedSpans).allSatisfy(s -> assertThat(s.path("traceId").asText()).isEqualTo(traceId));
        Map<String, JsonNode> byParent = new HashMap<>();
        for (JsonNode s : spans) {
            assertThat(byParent.put(s.path("parentSpanId").asText(), s)).as("one child per span").isNull();
        }
        // the chain: caller -> frontend inbound -> frontend outbound -> middle inbound -> middle outbound -> backend inbound
        List<String> expectedHops = List.of("frontend.default SERVER", "frontend.default CLIENT", "middle.default SERVER",
                "middle.default CLIENT", "backend.default SERVER");
        String parent = rootSpan;
        for (String hop : expectedHops) {
            JsonNode span = byParent.get(parent);
            assertThat(span).as("the span whose parent is " + parent + " (" + hop + ")").isNotNull();
            assertThat(span.path("service").asText() + " " + (span.path("kind").asInt() == 2 ? "SERVER" : "CLIENT"))
                    .isEqualTo(hop);
            assertThat(attribute(span, "http.status_code")).isEqualTo("200");
            parent = span.path("spanId").asText();
        }
    }

    @Test
    @Order(3)
    void controlPlaneReportsProxiesPushesConvergenceAndRejectedConfig() throws Exception {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(query("pilot_xds")).containsValue(3.0);
            // every sidecar got CDS, LDS, EDS and RDS at least once, and ACKed pushes caused by the others joining
            assertThat(query("sum(pilot_xds_pushes{type=\"cds\"})").get("")).isGreaterThanOrEqualTo(3.0);
            assertThat(query("sum(pilot_xds_pushes{type=\"lds\"})").get("")).isGreaterThanOrEqualTo(3.0);
            assertThat(query("pilot_proxy_convergence_time_count").get("")).isGreaterThan(0.0);
            // the proxies' own stats: connected to the control plane, the next hop's endpoint known and healthy
            assertThat(query("sum(weft_xds_connected{job=\"weft-sidecars\"})")).containsValue(3.0);
            assertThat(query("sum(envoy_cluster_membership_healthy{"
                    + "cluster_name=\"outbound|" + BACKEND_PORT + "||backend.default.svc.cluster.local\"})"))
                    .containsValue(3.0);
        });
        assertThat(query("weft_config_rejected_total")).containsValue(0.0);
        Files.writeString(mesh.configDir().resolve("broken.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: broken
                spec:
                  hosts: [middle]
                  http:
                    - route:
                        - destination: {host: middle}
                          weight: 50
                        - destination: {host: backend}
                          weight: 20
                """);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(query("weft_config_rejected_total")).containsValue(1.0);
                assertThat(query("weft_config_errors").get("")).isGreaterThanOrEqualTo(1.0);
            });
        } finally {
            Files.delete(mesh.configDir().resolve("broken.yaml"));
        }
    }

    private static List<JsonNode> spansOf(String traceId) {
        return exportedSpans.stream().filter(s -> s.path("traceId").asText().equals(traceId)).toList();
    }

    private static String attribute(JsonNode span, String key) {
        for (JsonNode a : span.path("attributes")) {
            if (a.path("key").asText().equals(key)) {
                return a.path("value").path("stringValue").asText();
            }
        }
        return null;
    }

    /** An instant PromQL query, as "reporter source -> destination code" (or the empty key) to value. */
    private static Map<String, Double> query(String promql) throws Exception {
        Map<String, Double> out = new HashMap<>();
        for (JsonNode r : queryRaw(promql)) {
            JsonNode m = r.path("metric");
            String key = m.has("reporter") ? m.path("reporter").asText() + " " + m.path("source_workload").asText()
                    + " -> " + m.path("destination_workload").asText() + " " + m.path("response_code").asText() : "";
            out.put(key, Double.parseDouble(r.path("value").get(1).asText()));
        }
        return out;
    }

    private static JsonNode queryRaw(String promql) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + prometheusPort + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("data").path("result");
    }
}
