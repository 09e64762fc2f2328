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

    @Test
    void countsOnlyTheJitCompilerThreadsOfAJvm() {
        assertThat(ProcessStats.isCompilerThread("4242 (C2 CompilerThre) S 1 2 3")).isTrue();
        assertThat(ProcessStats.isCompilerThread("4243 (C1 CompilerThre) S 1 2 3")).isTrue();
        assertThat(ProcessStats.isCompilerThread("4244 (weft-proxy-1-1) S 1 2 3")).isFalse();
        assertThat(ProcessStats.isCompilerThread("4245 (Common-Cleaner) S 1 2 3")).isFalse();
        List<ProcessHandle> self = List.of(ProcessHandle.current());
        // This JVM has compiled JUnit and AssertJ code by now; its compilers' time is part of its whole time.
        assertThat(ProcessStats.compilerCpuSeconds(self)).isPositive()
                .isLessThan(ProcessStats.cpuSeconds(self));
    }
}
