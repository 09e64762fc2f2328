package dev.weft.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.bench.BackendServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OpenLoopLoadGeneratorTest {

    @Test
    void sendsTheScheduledRateAndMeasuresEveryAnswer() throws Exception {
        try (BackendServer.Running backend = BackendServer.start(0, 1);
             OpenLoopLoadGenerator generator = new OpenLoopLoadGenerator()) {
            LatencyResult result = generator.run(new OpenLoopLoadGenerator.Settings("127.0.0.1", backend.port(),
                    "backend", "/", 400, 4, Duration.ofSeconds(1)));

            // 400 req/s for 1 s over 4 connections: exactly the 400 scheduled requests, all answered 200.
            assertThat(result.requests()).isEqualTo(400);
            assertThat(result.errors()).isZero();
            assertThat(result.timeouts()).isZero();
            assertThat(result.p50Ms()).isPositive().isLessThanOrEqualTo(result.p99Ms());
            assertThat(result.p99Ms()).isLessThanOrEqualTo(result.p999Ms());
            assertThat(result.p999Ms()).isLessThanOrEqualTo(result.maxMs());
        }
    }

    @Test
    void failsNamingTheTargetWhenNothingListens() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (OpenLoopLoadGenerator generator = new OpenLoopLoadGenerator()) {
            int closedPort = port;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> generator.run(new OpenLoopLoadGenerator.Settings(
                    "127.0.0.1", closedPort, "x", "/", 10, 1, Duration.ofMillis(200))))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("cannot connect to 127.0.0.1:" + closedPort)
                    .hasMessageContaining("Connection refused");
        }
    }

    @Test
    void correctsForCoordinatedOmissionWhenTheServerStalls() throws Exception {
        // A server that answers nothing for its first 300 ms: requests scheduled during the stall must show the
        // wait in their latency (up to ~300 ms), not just the time after they were finally sent.
        try (BackendServer.Running backend = BackendServer.start(0, 1);
             OpenLoopLoadGenerator generator = new OpenLoopLoadGenerator()) {
            backend.channel().eventLoop().execute(() -> sleep(300)); // blocks the backend's only event loop
            LatencyResult result = generator.run(new OpenLoopLoadGenerator.Settings("127.0.0.1", backend.port(),
                    "backend", "/", 400, 2, Duration.ofSeconds(1)));

            assertThat(result.requests()).isEqualTo(400);
            assertThat(result.maxMs()).isGreaterThan(200);
            // At 400 req/s a ~280 ms stall delays ~110 of the 400 requests: well over 10% are slower than 50 ms.
            assertThat(result.p90Ms()).isGreaterThan(50);
            // Measured from the actual send, only the 2 requests in flight during the stall (0.5%) were slow.
            assertThat(result.serviceP99Ms()).isLessThan(result.p99Ms());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
