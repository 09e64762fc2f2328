package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.TcpEcho;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
    private Mesh mesh;
    private TcpEcho echo;
    private int echoPort;

    @BeforeAll
    void startMesh() {
        mesh = Mesh.create("tcp");
        mesh.startControlPlane();
        mesh.addTestAppWorkload("echo", "echo", "v1", 7000, List.of("--app-protocol", "tcp"),
                port -> echo = TcpEcho.start(port));
        echoPort = FreePorts.next();
        mesh.addTestAppWorkload("client", "client", "v1", 8080, List.of("--upstream", "echo=" + echoPort), port -> {});
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
    void echoesOneMegabyteThroughBothSidecarsWithHalfClose() throws Exception {
        // the client's listener becomes a tcp_proxy once the echo service (registered by its sidecar) is known
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> TcpEcho.echoes(echoPort));

        byte[] payload = new byte[1024 * 1024];
        new Random(7).nextBytes(payload);
        long start = System.nanoTime();
        byte[] got = TcpEcho.roundTrip(echoPort, payload);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(got.length).isEqualTo(payload.length + TcpEcho.TRAILER.length);
        assertThat(Arrays.equals(got, 0, payload.length, payload, 0, payload.length)).isTrue();
        assertThat(Arrays.copyOfRange(got, payload.length, got.length)).isEqualTo(TcpEcho.TRAILER);
        System.out.println("TcpThroughSidecarsTest: 1 MiB echoed through two sidecars in " + millis + " ms");
    }
}
