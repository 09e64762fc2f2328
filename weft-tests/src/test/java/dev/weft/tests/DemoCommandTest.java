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
                "--enable-native-access=ALL-UNNAMED", // as ./weft runs it: grpc-java's netty loads its native transport
                "-XX:TieredStopAtLevel=1", "-cp", ProcessHarness.testClasspath(), "dev.weft.cli.Main",
                "demo", "--duration", "20", "--work-dir", dir.resolve("work").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        Set<Long> seen = new TreeSet<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(480);
            while (demo.isAlive() && System.nanoTime() < deadline) {
                demo.descendants().forEach(child -> seen.add(child.pid()));
                Thread.sleep(200);
            }
            assertThat(demo.isAlive()).as("demo still running after 480 s; output:%n%s", read(output)).isFalse();
        } finally {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
        String text = read(output);
        assertThat(demo.exitValue()).as("exit code; output:%n%s", text).isZero();
        assertThat(text).contains("Weighted split", "Header routing", "Live config change", "took effect within",
                "Authorization", "PERMISSION_DENIED", "grpc_response_status",
                "every process of the demo has exited").doesNotContain("PROBLEM");
        // ratings is a gRPC service: the golden signals count its calls by grpc_response_status
        assertThat(text.lines().filter(l -> l.matches("\\s+ratings\\s+\\d+ .*")).findFirst())
                .as("ratings row of the golden signals; output:%n%s", text)
                .hasValueSatisfying(row -> assertThat(row).containsPattern("OK \\d+").contains("PERMISSION_DENIED 1"));
        // control plane + 6 services + 6 sidecars were children of the demo
        assertThat(seen).as("children seen while the demo ran").hasSizeGreaterThanOrEqualTo(13);
        Thread.sleep(500);
        List<Long> survivors = alive(seen);
        assertThat(survivors).as("processes left behind by the demo").isEmpty();
    }

    @Test
    void sigtermStopsTheDemoAndEveryChild() throws Exception {
        assertStoppingLeavesNothingBehind("demo-sigterm", Process::destroy, true, 20);
    }

    @Test
    void childrenExitByThemselvesWhenTheDemoIsKilled() throws Exception {
        // SIGKILL runs no shutdown hook: each child notices its parent is gone and exits
        assertStoppingLeavesNothingBehind("demo-sigkill", Process::destroyForcibly, false, 20);
    }

    private static void assertStoppingLeavesNothingBehind(String name, java.util.function.Consumer<Process> stop,
                                                          boolean graceful, int secondsForChildrenToGo) throws Exception {
        Path dir = ProcessHarness.workDir(name);
        Path output = dir.resolve("demo-output.txt");
        Process demo = new ProcessBuilder(WeftLauncher.javaBinary(), "-Xmx128m", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", // as ./weft runs it: grpc-java's netty loads its native transport
                "-XX:TieredStopAtLevel=1", "-cp", ProcessHarness.testClasspath(), "dev.weft.cli.Main", "demo",
                "--work-dir", dir.resolve("work").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        Set<Long> seen = new TreeSet<>();
        try {
            // stop as soon as all 13 children run (still starting up, as when a user presses Ctrl-C early): waiting
            // for the whole mesh to be ready would only make the test slower, not the cleanup harder
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (demo.isAlive() && System.nanoTime() < deadline && seen.size() < 13) {
                demo.descendants().forEach(child -> seen.add(child.pid()));
                Thread.sleep(200);
            }
            assertThat(read(output)).as("demo output").contains("Starting 13 processes");
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
            if (graceful) {
                assertThat(read(output)).contains("Stopped; every process of the demo has exited.");
            }
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
