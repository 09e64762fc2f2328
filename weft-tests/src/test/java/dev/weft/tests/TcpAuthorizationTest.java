package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.Workload;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final byte[] TRAILER = "<eof>".getBytes(StandardCharsets.US_ASCII);
    private static final Duration SLOW_STARTUP = Duration.ofSeconds(180);
    private Mesh mesh;
    private ServerSocket echo;
    private final AtomicInteger accepted = new AtomicInteger();
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
                "--ca-url", "http://127.0.0.1:" + mesh.controlPlane().httpPort()), port -> {
            try {
                echo = new ServerSocket(port, 64, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread.ofVirtual().start(this::acceptLoop);
        });
        clientPort = FreePorts.next();
        intruderPort = FreePorts.next();
        mesh.addSecureEchoWorkload("client", "client", "v1", 8080, "client", "echo=" + clientPort);
        mesh.addSecureEchoWorkload("intruder", "intruder", "v1", 8081, "intruder", "echo=" + intruderPort);
        // three sidecars bootstrapping certificates: on a machine at load average 40 this alone took over 90 s
        for (String name : List.of("echo", "client", "intruder")) {
            mesh.workload(name).sidecar().awaitReady(SLOW_STARTUP);
        }
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        // the client's listener becomes a tcp_proxy once the echo service (registered by its sidecar) is known
        await().atMost(SLOW_STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> new String(roundTrip(clientPort, ping), StandardCharsets.US_ASCII).equals("ping<eof>"));
    }

    private void acceptLoop() {
        while (!echo.isClosed()) {
            try {
                Socket c = echo.accept();
                accepted.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try (c) {
                        OutputStream out = c.getOutputStream();
                        c.getInputStream().transferTo(out); // until the client's FIN arrives through both proxies
                        out.write(TRAILER); // then answer after it: the half-closed connection still carries this
                        c.shutdownOutput();
                    } catch (IOException ignored) {
                        // the proxy went away
                    }
                });
            } catch (IOException closed) {
                return;
            }
        }
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

    /** Sends {@code payload}, half-closes, and returns everything read until the proxy closes. */
    private static byte[] roundTrip(int port, byte[] payload) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            byte[] got;
            try {
                got = s.getInputStream().readAllBytes();
            } catch (java.net.SocketException reset) {
                got = new byte[0]; // a reset carries no bytes either
            }
            try {
                writer.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException writeFailed) {
                // the peer closed before taking everything: what was read is the answer
            }
            return got;
        }
    }

    @Test
    void theAllowedIdentityGetsTheWholeEchoAfterHalfClosingOverMtls() throws Exception {
        byte[] payload = new byte[1024 * 1024];
        new Random(11).nextBytes(payload);
        byte[] got = roundTrip(clientPort, payload);
        assertThat(got.length).isEqualTo(payload.length + TRAILER.length);
        assertThat(Arrays.equals(got, 0, payload.length, payload, 0, payload.length)).isTrue();
        assertThat(Arrays.copyOfRange(got, payload.length, got.length)).isEqualTo(TRAILER);
    }

    @Test
    void anotherIdentityIsClosedBeforeReachingTheAppAndCounted() throws Exception {
        int acceptedBefore = accepted.get();
        for (int i = 0; i < 3; i++) {
            assertThat(roundTrip(intruderPort, "let me in".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        }
        String stats = Mesh.plainGet(echoWorkload.sidecar().adminUrl("/stats/prometheus")).body();
        assertThat(denied(stats)).isGreaterThanOrEqualTo(3);
        assertThat(accepted.get()).as("connections that reached the echo app").isEqualTo(acceptedBefore);
        // and the allowed identity still gets through on the same listener
        assertThat(roundTrip(clientPort, "again".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("again<eof>".getBytes(StandardCharsets.US_ASCII));
    }

    private static long denied(String prometheus) {
        return prometheus.lines().filter(l -> l.startsWith("envoy_tcp_rbac_denied{listener=\"inbound\"}"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
