package dev.weft.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    @Test
    void quickIsOneShortRun() {
        BenchOptions o = BenchOptions.parse(new String[] {"--quick"});
        assertThat(o.runs()).isEqualTo(1);
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.targets()).containsExactlyElementsOf(BenchOptions.ALL_TARGETS);
    }

    @Test
    void defaultsAreThreeRunsAtAThousandRequestsPerSecondWithinATimeLimit() {
        BenchOptions o = BenchOptions.parse(new String[0]);
        assertThat(o.runs()).isEqualTo(3);
        assertThat(o.rate()).isEqualTo(1000);
        assertThat(o.timeLimit()).isGreaterThan(Duration.ofSeconds(3L * 5 * (5 + 15 + 10)));
    }

    @Test
    void explicitValuesWin() {
        BenchOptions o = BenchOptions.parse(new String[] {"--runs", "5", "--targets", "direct,nginx",
                "--proxy-jvm-opts", "-Xmx64m  -XX:+UseSerialGC"});
        assertThat(o.runs()).isEqualTo(5);
        assertThat(o.targets()).containsExactly("direct", "nginx");
        assertThat(o.proxyJvmOptions()).isEqualTo(List.of("-Xmx64m", "-XX:+UseSerialGC"));
    }

    @Test
    void badInputSaysWhatIsWrong() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--targets", "envoy"}))
                .hasMessageContaining("unknown target 'envoy'");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--runs", "0"}))
                .hasMessageContaining("--runs must be positive");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--rate"}))
                .hasMessageContaining("--rate needs a value");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--fast"}))
                .hasMessageContaining("unknown option: --fast");
    }
}
