package dev.weft.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class WrkRunnerTest {
    private static final String OUTPUT = """
            Running 10s test @ http://127.0.0.1:40000/
              1 threads and 64 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     1.61ms  812.33us  21.90ms   88.12%
                Req/Sec    40.12k     2.01k   44.00k    70.00%
              Latency Distribution
                 50%  860.00us
                 75%    1.70ms
                 90%    2.30ms
                 99%    4.12ms
              399123 requests in 10.00s, 50.62MB read
              Socket errors: connect 0, read 3, write 0, timeout 2
              Non-2xx or 3xx responses: 7
            Requests/sec:  39912.30
            Transfer/sec:      5.06MB
            """;

    @Test
    void readsRateCountsErrorsAndPercentiles() throws IOException {
        ThroughputResult r = WrkRunner.parse(OUTPUT, List.of("wrk"));

        assertThat(r.requestsPerSecond()).isEqualTo(39912.30);
        assertThat(r.requests()).isEqualTo(399123);
        assertThat(r.seconds()).isEqualTo(10.0);
        assertThat(r.errors()).isEqualTo(3 + 2 + 7);
        assertThat(r.p50Ms()).isEqualTo(0.86);
        assertThat(r.p99Ms()).isEqualTo(4.12);
    }

    @Test
    void rejectsOutputWithoutTotals() {
        assertThatThrownBy(() -> WrkRunner.parse("unable to connect to 127.0.0.1:1 Connection refused",
                List.of("wrk", "http://127.0.0.1:1/")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unexpected wrk output for wrk http://127.0.0.1:1/")
                .hasMessageContaining("Connection refused");
    }
}
