package dev.weft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessStatsTest {
    @Test
    void readsCpuAndMemoryOfARunningProcess() {
        List<ProcessHandle> self = List.of(ProcessHandle.current());
        double before = ProcessStats.cpuSeconds(self);
        long spin = 0;
        long end = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < end) {
            spin += Long.numberOfTrailingZeros(System.nanoTime()) + 1;
        }
        assertThat(spin).isPositive();
        assertThat(ProcessStats.cpuSeconds(self)).isGreaterThan(before);
        assertThat(ProcessStats.rssKb(self)).isGreaterThan(10_000); // a JVM is never under 10 MB resident
    }

    @Test
    void aProcessThatHasExitedCostsNothing() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertThat(ProcessStats.cpuSeconds(List.of(p.toHandle()))).isZero();
        assertThat(ProcessStats.rssKb(List.of(p.toHandle()))).isZero();
    }
}
