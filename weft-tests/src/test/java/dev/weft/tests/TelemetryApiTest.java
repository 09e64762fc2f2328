package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.demo.DemoService;
import dev.weft.demo.DemoServiceOptions;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Workload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Istio's Telemetry API applied live: two workloads start with access logs on and sampling at 0% (their flags); then
 * one Telemetry file turns alpha's server-side access log off and samples every new trace of caller. Without
 * restarting anything, alpha stops logging its inbound requests (caller still logs its outbound calls), and caller's
 * traces — and alpha's spans of them, as the sampling decision propagates — reach the collector.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TelemetryApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Mesh mesh;
    private HttpServer collector;
    private final Set<String> spanServices = ConcurrentHashMap.newKeySet();
    private final AtomicInteger spans = new AtomicInteger();
    private final List<AutoCloseable> apps = new ArrayList<>();
    private Workload caller;
    private Workload alpha;

    @BeforeAll
    void startMesh() throws IOException {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        collector.createContext("/v1/traces", this::collect);
        collector.start();
        mesh = Mesh.create("telemetry-api");
        mesh.startControlPlane();
        caller = workload("caller", 8080);
        alpha = workload("alpha", 9081);
        mesh.awaitReady();
    }

    private Workload workload(String name, int servicePort) {
        List<String> args = List.of("--access-log", log(name).toString(), "--tracing-endpoint",
                "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces", "--tracing-sampling", "0");
        return mesh.addTestAppWorkload(name, name, "v1", servicePort, args, port -> {
            try {
                apps.add(DemoService.start(new DemoServiceOptions("echo", "v1", port, null)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private Path log(String workload) {
        return mesh.workDir().resolve("access-" + workload + ".log");
    }

    private void collect(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            for (JsonNode rs : body.path("resourceSpans")) {
                for (JsonNode a : rs.path("resource").path("attributes")) {
                    if (a.path("key").asText().equals("service.name")) {
                        spanServices.add(a.path("value").path("stringValue").asText());
                    }
                }
                for (JsonNode ss : rs.path("scopeSpans")) {
                    spans.addAndGet(ss.path("spans").size());
                }
            }
            exchange.sendResponseHeaders(200, -1);
        }
    }

    @AfterAll
    void stop() throws Exception {
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

    @Test
    void aTelemetryResourceTurnsOneWorkloadsAccessLogOffAndSamplesAnothersTracesLive() throws Exception {
        MeshClient client = mesh.clientOf(caller);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(300)).until(() ->
                client.tryGet("alpha:9081", "/warm").status() == 200);
        // before: the flags rule — both sides log, nothing is sampled
        assertThat(client.get("alpha:9081", "/before-alpha").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> logged(alpha, "/before-alpha")
                && logged(caller, "/before-alpha"));
        assertThat(inboundMetric(alpha, "istio_requests_total")).isPositive();
        assertThat(spans.get()).isZero();

        mesh.writeConfig("telemetry.yaml", """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata:
                  name: alpha-quiet
                  namespace: default
                spec:
                  selector:
                    matchLabels:
                      app: alpha
                  accessLogging:
                    - match:
                        mode: SERVER
                      disabled: true
                  metrics:
                    - overrides:
                        - match:
                            metric: REQUEST_COUNT
                            mode: SERVER
                          disabled: true
                ---
                apiVersion: telemetry.istio.io/v1alpha1
                kind: Telemetry
                metadata:
                  name: caller-traced
                  namespace: default
                spec:
                  selector:
                    matchLabels:
                      app: caller
                  tracing:
                    - randomSamplingPercentage: 100
                """);
        // caller's sidecar now samples every new trace; the decision travels to alpha, which exports its span too
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            client.tryGet("alpha:9081", "/traced");
            return spanServices.containsAll(Set.of("caller.default", "alpha.default"));
        });
        // alpha has applied its listener config once its config dump shows the managed (empty) access log
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() ->
                Mesh.plainGet(alpha.sidecar().adminUrl("/config_dump")).body().contains("access_log_managed"));
        long countBefore = inboundMetric(alpha, "istio_requests_total");
        long durationsBefore = inboundMetric(alpha, "istio_request_duration_milliseconds_count");
        assertThat(client.get("alpha:9081", "/after-alpha").status()).isEqualTo(200);
        // alpha's metrics override: REQUEST_COUNT is no longer counted on its server side, the duration still is
        await().atMost(Duration.ofSeconds(10)).until(() ->
                inboundMetric(alpha, "istio_request_duration_milliseconds_count") == durationsBefore + 1);
        assertThat(inboundMetric(alpha, "istio_requests_total")).isEqualTo(countBefore);
        // caller still logs its outbound call to alpha: only alpha's server side went quiet
        await().atMost(Duration.ofSeconds(10)).until(() -> logged(caller, "/after-alpha"));
        Thread.sleep(1000); // alpha's writer flushes within milliseconds; give it ample time to prove the absence
        assertThat(logged(alpha, "/after-alpha")).as("alpha's inbound access log after the Telemetry change").isFalse();
        assertThat(logged(alpha, "/before-alpha")).isTrue();
    }

    /** The sum of {@code metric} over alpha's inbound series from caller (reporter destination). */
    private long inboundMetric(Workload w, String metric) throws Exception {
        long sum = 0;
        for (String line : Mesh.plainGet(w.sidecar().adminUrl("/stats/prometheus")).body().split("\n")) {
            if (line.startsWith(metric + "{") && line.contains("reporter=\"destination\"")
                    && line.contains("source_workload=\"caller-v1\"")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private boolean logged(Workload w, String path) throws IOException {
        Path file = log(w.name());
        return Files.exists(file) && Files.readString(file).contains(" " + path + " ");
    }
}
