package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.tests.harness.Mesh;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Raw TCP through two sidecars: a test client → client sidecar ({@code --upstream echo=PORT}, a tcp_proxy) → plain TCP
 * → echo sidecar's inbound tcp_proxy ({@code --app-protocol tcp}) → a blocking echo server that, after the client's
 * FIN, answers with a trailer and closes — so the half-close is seen to cross both proxies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpThroughSidecarsTest {
    private static final byte[] TRAILER = "<eof>".getBytes(StandardCharsets.US_ASCII);
    private Mesh mesh;
    private ServerSocket echo;
    private int echoPort;

    @BeforeAll
    void startMesh() {
        mesh = Mesh.create("tcp");
        mesh.startControlPlane();
        mesh.addTestAppWorkload("echo", "echo", "v1", 7000, List.of("--app-protocol", "tcp"), port -> {
            try {
                echo = new ServerSocket(port, 64, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread.ofVirtual().start(this::acceptLoop);
        });
        echoPort = FreePorts.next();
        mesh.addTestAppWorkload("client", "client", "v1", 8080, List.of("--upstream", "echo=" + echoPort), port -> {});
        mesh.awaitReady();
    }

    private void acceptLoop() {
        while (!echo.isClosed()) {
            try {
                Socket c = echo.accept();
                Thread.ofVirtual().start(() -> {
                    try (c) {
                        OutputStream out = c.getOutputStream();
                        c.getInputStream().transferTo(out);
                        out.write(TRAILER);
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
    private byte[] roundTrip(byte[] payload) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), echoPort)) {
            s.setSoTimeout(20_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            byte[] got = s.getInputStream().readAllBytes();
            writer.get(20, TimeUnit.SECONDS);
            return got;
        }
    }

    @Test
    void echoesOneMegabyteThroughBothSidecarsWithHalfClose() throws Exception {
        // the client's listener becomes a tcp_proxy once the echo service (registered by its sidecar) is known
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> new String(roundTrip(ping), StandardCharsets.US_ASCII).equals("ping<eof>"));

        byte[] payload = new byte[1024 * 1024];
        new Random(7).nextBytes(payload);
        long start = System.nanoTime();
        byte[] got = roundTrip(payload);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(got.length).isEqualTo(payload.length + TRAILER.length);
        assertThat(Arrays.equals(got, 0, payload.length, payload, 0, payload.length)).isTrue();
        assertThat(Arrays.copyOfRange(got, payload.length, got.length)).isEqualTo(TRAILER);
        System.out.println("TcpThroughSidecarsTest: 1 MiB echoed through two sidecars in " + millis + " ms");
    }
}
