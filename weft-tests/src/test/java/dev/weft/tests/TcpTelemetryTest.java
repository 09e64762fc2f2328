package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.TcpEcho;
import dev.weft.tests.harness.Workload;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Istio's TCP metrics through two sidecars with mesh mTLS: a raw client → client sidecar (tcp_proxy, mTLS with the
 * TCP metadata exchange) → echo sidecar (inbound tcp_proxy) → an echo server. Both sidecars' scrapes show the exact
 * bytes of one connection — while it is open (the periodic report) and after it closed — with 1 opened / 1 closed,
 * the peer's workload learned through the exchange and the principals from the certificates.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpTelemetryTest {
    private static final String CLIENT_ID = "spiffe://cluster.local/ns/default/sa/client";
    private static final String ECHO_ID = "spiffe://cluster.local/ns/default/sa/echo";
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{(.*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private Mesh mesh;
    private TcpEcho echo;
    private int echoPort;
    private Workload client;
    private Workload echoWorkload;

    @BeforeAll
    void startMesh() throws IOException {
        mesh = Mesh.create("tcp-telemetry");
        mesh.startControlPlane();
        String ca = "http://127.0.0.1:" + mesh.controlPlane().httpPort();
        Path echoToken = mesh.mintToken("echo", "default", "echo");
        Path clientToken = mesh.mintToken("client", "default", "client");
        echoWorkload = mesh.addTestAppWorkload("echo", "echo", "v1", 7000, List.of("--app-protocol", "tcp",
                "--service-account", "echo", "--token-file", echoToken.toString(), "--ca-url", ca),
                port -> echo = TcpEcho.start(port));
        echoPort = FreePorts.next();
        client = mesh.addTestAppWorkload("client", "client", "v1", 8080, List.of("--upstream", "echo=" + echoPort,
                "--service-account", "client", "--token-file", clientToken.toString(), "--ca-url", ca), port -> {});
        mesh.awaitReady();
    }

    @AfterAll
    void stopMesh() throws IOException {
        if (echo != null) {
            echo.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void bothReportersCountTheExactBytesAndOneConnectionWithThePeersWorkloadAndPrincipal() throws Exception {
        // the client's listener becomes a tcp_proxy with mTLS once the echo service (and its certificate) is known
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> TcpEcho.echoes(echoPort) && settled(client) && settled(echoWorkload));
        Map<String, Long> clientBefore = tcpSeries(client, "source");
        Map<String, Long> echoBefore = tcpSeries(echoWorkload, "destination");

        byte[] payload = new byte[100_000];
        new Random(11).nextBytes(payload);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), echoPort)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(payload);
            byte[] echoed = s.getInputStream().readNBytes(payload.length);
            assertThat(echoed).isEqualTo(payload);
            // still open: the periodic report (every 5 s) shows the bytes and the opened connection
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(delta(tcpSeries(client, "source"), clientBefore))
                        .containsEntry("istio_tcp_received_bytes_total", (long) payload.length)
                        .containsEntry("istio_tcp_sent_bytes_total", (long) payload.length)
                        .containsEntry("istio_tcp_connections_opened_total", 1L)
                        .containsEntry("istio_tcp_connections_closed_total", 0L);
                assertThat(delta(tcpSeries(echoWorkload, "destination"), echoBefore))
                        .containsEntry("istio_tcp_received_bytes_total", (long) payload.length)
                        .containsEntry("istio_tcp_connections_opened_total", 1L)
                        .containsEntry("istio_tcp_connections_closed_total", 0L);
            });
            s.shutdownOutput();
            assertThat(s.getInputStream().readAllBytes()).isEqualTo(TcpEcho.TRAILER);
        }
        long sent = payload.length + TcpEcho.TRAILER.length;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            for (var side : List.of(delta(tcpSeries(client, "source"), clientBefore),
                    delta(tcpSeries(echoWorkload, "destination"), echoBefore))) {
                assertThat(side).containsEntry("istio_tcp_received_bytes_total", (long) payload.length)
                        .containsEntry("istio_tcp_sent_bytes_total", sent)
                        .containsEntry("istio_tcp_connections_opened_total", 1L)
                        .containsEntry("istio_tcp_connections_closed_total", 1L);
            }
        });
    }

    /** Every connection of the labelled series that opened has closed (its closing report is in). */
    private boolean settled(Workload w) throws Exception {
        Map<String, Long> series = tcpSeries(w, w == client ? "source" : "destination");
        return series.getOrDefault("istio_tcp_connections_opened_total", 0L) > 0
                && series.get("istio_tcp_connections_opened_total")
                .equals(series.get("istio_tcp_connections_closed_total"));
    }

    private static Map<String, Long> delta(Map<String, Long> now, Map<String, Long> before) {
        Map<String, Long> d = new HashMap<>();
        now.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
        return d;
    }

    /**
     * The values of the four istio_tcp_* metrics in the series of a client → echo connection as {@code reporter}
     * labels it: the peer workload from the metadata exchange, principals from the mTLS certificates.
     */
    private Map<String, Long> tcpSeries(Workload w, String reporter) throws Exception {
        String scrape = Mesh.plainGet(w.sidecar().adminUrl("/stats/prometheus")).body();
        Map<String, Long> values = new HashMap<>();
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !m.group(1).startsWith("istio_tcp_")) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            boolean source = reporter.equals("source");
            if (labels.get("reporter").equals(reporter)
                    && labels.get("source_workload").equals("client-v1")
                    && labels.get("source_workload_namespace").equals("default")
                    && labels.get("source_principal").equals(source ? "unknown" : CLIENT_ID)
                    && labels.get("destination_workload").equals("echo-v1")
                    && labels.get("destination_workload_namespace").equals("default")
                    && labels.get("destination_app").equals("echo")
                    && labels.get("destination_version").equals("v1")
                    && labels.get("source_app").equals("client")
                    && labels.get("destination_principal").equals(ECHO_ID)
                    && labels.get("destination_service_name").equals("echo")
                    && labels.get("request_protocol").equals("tcp")
                    && labels.get("response_flags").equals("-")
                    && labels.get("connection_security_policy").equals(source ? "unknown" : "mutual_tls")) {
                values.merge(m.group(1), (long) Double.parseDouble(m.group(3)), Long::sum);
            }
        }
        return values;
    }
}
