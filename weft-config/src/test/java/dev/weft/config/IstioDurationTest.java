package dev.weft.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IstioDurationTest {
    @Test
    void parsesIstioDurations() {
        assertThat(IstioDuration.parse("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(IstioDuration.parse("0.5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(IstioDuration.parse("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(IstioDuration.parse("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(IstioDuration.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(IstioDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(IstioDuration.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(IstioDuration.parse("0s")).isEqualTo(Duration.ZERO);
    }

    @Test
    void rejectsMalformedDurationsClearly() {
        for (String bad : new String[] {"5", "s", "1x", "-1s", "1.2.3s", "1 s", "ten seconds"}) {
            assertThatThrownBy(() -> IstioDuration.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid duration \"" + bad + "\"");
        }
        assertThatThrownBy(() -> IstioDuration.parse("")).hasMessageContaining("empty duration");
    }
}
