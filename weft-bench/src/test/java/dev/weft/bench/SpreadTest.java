package dev.weft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpreadTest {
    @Test
    void medianOfOddAndEvenCountsWithRange() {
        assertThat(Spread.of(List.of(3.0, 1.0, 2.0))).isEqualTo(new Spread(2.0, 1.0, 3.0, 3));
        assertThat(Spread.of(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(new Spread(2.5, 1.0, 4.0, 4));
    }

    @Test
    void leavesOutMissingFigures() {
        assertThat(Spread.of(Arrays.asList(Double.NaN, 5.0, null))).isEqualTo(new Spread(5.0, 5.0, 5.0, 1));
        assertThat(Spread.of(List.of(Double.NaN)).n()).isZero();
        assertThat(Report.cell(Spread.of(List.of()))).isEqualTo("–");
    }

    @Test
    void cellsShowTheMedianThenTheRange() {
        assertThat(Report.cell(Spread.of(List.of(0.2, 0.25, 0.3)))).isEqualTo("0.250 (0.200–0.300)");
        assertThat(Report.cell(Spread.of(List.of(41234.6)))).isEqualTo("41235");
        assertThat(Report.cell(Spread.of(List.of(0.0)))).isEqualTo("0");
    }

    @Test
    void cellsSayWhenOnlySomeRunsGaveAValue() {
        assertThat(Report.cell(Spread.of(java.util.Arrays.asList(1.5, Double.NaN, Double.NaN)), 3))
                .isEqualTo("1.500 [1 of 3 runs]");
        assertThat(Report.cell(Spread.of(List.of(1.0, 2.0, 3.0)), 3)).isEqualTo("2.000 (1.000–3.000)");
    }
}
