package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.TcpEcho;
import dev.weft.tests.harness.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Raw TCP between sidecars under STRICT mTLS: a TCP echo app ({@code --app-protocol tcp}) whose AuthorizationPolicy
 * admits only the {@code client} identity. Its sidecar translates the policy to network RBAC: the client's connection
 * is relayed — half-close included: the client shuts its output and still receives the whole echo — while the
 * {@code intruder}'s is closed right after the handshake, never reaching the app, and counted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpAuthorizationTest {
    private static final Duration SLOW_STARTUP = Duration.ofSeconds(180);
    private Mesh mesh;
    private TcpEcho echo;
    private Workload echoWorkload;
    private int clientPort;
    private int intruderPort;

    @BeforeAll
    void startMesh() throws IOException {
        mesh = Mesh.create("tcp-authz");
        mesh.writeConfig("security.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec:
                  mtls: {mode: STRICT}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: echo-from-client, namespace: default}
                spec:
                  selector: {matchLabels: {app: echo}}
                  action: ALLOW
                  rules:
                  - from:
                    - source: {principals: ["cluster.local/ns/default/sa/client"]}
                  # methods exist only in HTTP: for a TCP app this rule is dropped, so it admits nobody
                  - from:
                    - source: {principals: ["cluster.local/ns/default/sa/intruder"]}
                    to:
                    - operation: {methods: ["GET"]}
                """);
        mesh.startControlPlane();
        Path token = mesh.mintToken("echo", "default", "echo");
        echoWorkload = mesh.addTestAppWorkload("echo", "echo", "v1", 7000, List.of("--app-protocol", "tcp",
                "--service-account", "echo", "--token-file", token.toString(),
                "--ca-url", "http://127.0.0.1:" + mesh.controlPlane().httpPort()),
                port -> echo = TcpEcho.start(port));
        clientPort = FreePorts.next();
        intruderPort = FreePorts.next();
        mesh.addSecureEchoWorkload("client", "client", "v1", 8080, "client", "echo=" + clientPort);
        mesh.addSecureEchoWorkload("intruder", "intruder", "v1", 8081, "intruder", "echo=" + intruderPort);
        // three sidecars bootstrapping certificates: on a machine at load average 40 this alone took over 90 s
        for (String name : List.of("echo", "client", "intruder")) {
            mesh.workload(name).sidecar().awaitReady(SLOW_STARTUP);
        }
        // the client's listener becomes a tcp_proxy once the echo service (registered by its sidecar) is known
        await().atMost(SLOW_STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> TcpEcho.echoes(clientPort));
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
    void theAllowedIdentityGetsTheWholeEchoAfterHalfClosingOverMtls() throws Exception {
        byte[] payload = new byte[1024 * 1024];
        new Random(11).nextBytes(payload);
        byte[] got = TcpEcho.roundTrip(clientPort, payload);
        assertThat(got.length).isEqualTo(payload.length + TcpEcho.TRAILER.length);
        assertThat(Arrays.equals(got, 0, payload.length, payload, 0, payload.length)).isTrue();
        assertThat(Arrays.copyOfRange(got, payload.length, got.length)).isEqualTo(TcpEcho.TRAILER);
    }

    @Test
    void anotherIdentityIsClosedBeforeReachingTheAppAndCounted() throws Exception {
        int acceptedBefore = echo.accepted();
        for (int i = 0; i < 3; i++) {
            assertThat(TcpEcho.roundTrip(intruderPort, "let me in".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        }
        String stats = Mesh.plainGet(echoWorkload.sidecar().adminUrl("/stats/prometheus")).body();
        assertThat(denied(stats)).isGreaterThanOrEqualTo(3);
        assertThat(echo.accepted()).as("connections that reached the echo app").isEqualTo(acceptedBefore);
        // and the allowed identity still gets through on the same listener
        assertThat(TcpEcho.roundTrip(clientPort, "again".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("again<eof>".getBytes(StandardCharsets.US_ASCII));
    }

    private static long denied(String prometheus) {
        return prometheus.lines().filter(l -> l.startsWith("envoy_tcp_rbac_denied{listener=\"inbound\"}"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
