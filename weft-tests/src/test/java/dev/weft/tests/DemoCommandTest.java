package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.launch.WeftLauncher;
import dev.weft.tests.harness.ProcessHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code weft demo --duration 20}: runs the whole walkthrough, exits 0, and leaves no process behind. */
class DemoCommandTest {

    @Test
    void demoRunsTheWalkthroughAndLeavesNoProcessBehind() throws Exception {
        Path dir = ProcessHarness.workDir("demo");
        Path output = dir.resolve("demo-output.txt");
        Process demo = new ProcessBuilder(WeftLauncher.javaBinary(), "-Xmx128m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", ProcessHarness.testClasspath(), "dev.weft.cli.Main",
                "demo", "--duration", "20", "--work-dir", dir.resolve("work").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        Set<Long> seen = new TreeSet<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (demo.isAlive() && System.nanoTime() < deadline) {
                demo.descendants().forEach(child -> seen.add(child.pid()));
                Thread.sleep(200);
            }
            assertThat(demo.isAlive()).as("demo still running after 240 s; output:%n%s", read(output)).isFalse();
        } finally {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
        String text = read(output);
        assertThat(demo.exitValue()).as("exit code; output:%n%s", text).isZero();
        assertThat(text).contains("Weighted split", "Header routing", "Live config change", "took effect within",
                "every process of the demo has exited").doesNotContain("PROBLEM");
        // control plane + 6 services + 6 sidecars were children of the demo
        assertThat(seen).as("children seen while the demo ran").hasSizeGreaterThanOrEqualTo(13);
        Thread.sleep(500);
        List<Long> survivors = alive(seen);
        assertThat(survivors).as("processes left behind by the demo").isEmpty();
    }

    @Test
    void sigtermStopsTheDemoAndEveryChild() throws Exception {
        assertStoppingLeavesNothingBehind("demo-sigterm", Process::destroy, 20);
    }

    @Test
    void childrenExitByThemselvesWhenTheDemoIsKilled() throws Exception {
        // SIGKILL runs no shutdown hook: each child notices its parent is gone and exits
        assertStoppingLeavesNothingBehind("demo-sigkill", Process::destroyForcibly, 20);
    }

    private static void assertStoppingLeavesNothingBehind(String name, java.util.function.Consumer<Process> stop,
                                                          int secondsForChildrenToGo) throws Exception {
        Path dir = ProcessHarness.workDir(name);
        Path output = dir.resolve("demo-output.txt");
        Process demo = new ProcessBuilder(WeftLauncher.javaBinary(), "-Xmx128m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", ProcessHarness.testClasspath(), "dev.weft.cli.Main", "demo",
                "--work-dir", dir.resolve("work").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        Set<Long> seen = new TreeSet<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (demo.isAlive() && System.nanoTime() < deadline && !read(output).contains("Mesh ready")) {
                demo.descendants().forEach(child -> seen.add(child.pid()));
                Thread.sleep(200);
            }
            demo.descendants().forEach(child -> seen.add(child.pid()));
            assertThat(read(output)).as("demo output").contains("Mesh ready");
            stop.accept(demo);
            assertThat(demo.waitFor(30, TimeUnit.SECONDS)).as("demo exits").isTrue();
            long childrenDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(secondsForChildrenToGo);
            List<Long> survivors = alive(seen);
            while (!survivors.isEmpty() && System.nanoTime() < childrenDeadline) {
                Thread.sleep(200);
                survivors = alive(seen);
            }
            assertThat(seen).hasSizeGreaterThanOrEqualTo(13);
            assertThat(survivors).as("processes left behind").isEmpty();
        } finally {
            for (long pid : seen) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            demo.destroyForcibly();
        }
    }

    private static List<Long> alive(Set<Long> pids) {
        return pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
    }

    private static String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
