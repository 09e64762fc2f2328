package dev.weft.cli;

import dev.weft.cli.demo.DemoRun;
import dev.weft.cli.launch.LocalMesh;
import dev.weft.cli.launch.WeftLauncher;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft demo}: a bookinfo-like mesh on this machine, and what the mesh does with its traffic. */
@Command(name = "demo", description = {
        "Run a small bookinfo-like mesh on this machine (control plane, sample services, one sidecar each, all",
        "child processes on free ports) and show weighted routing, header routing and a live config change.",
        "Ctrl-C stops everything; no process is left behind."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "stop by itself after this many seconds (at the earliest once the walkthrough is done); default: run until Ctrl-C")
    Integer durationSeconds;

    @Option(names = "--keep", description = "keep the work folder (config, caches, logs) after exit")
    boolean keep;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "use this folder (kept after exit) instead of a temporary one")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Path work = workDir != null ? Files.createDirectories(workDir).toAbsolutePath() : Files.createTempDirectory("weft-demo-");
        keep |= workDir != null;
        AtomicBoolean stopping = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        WeftLauncher launcher = WeftLauncher.forCurrentProcess(work.resolve("logs"));
        Thread ctrlC = new Thread(() -> {
            stopping.set(true);
            launcher.stopAll();
            try {
                // let the main thread print its last words and clean up before the JVM goes
                finished.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "weft-demo-stop");
        Runtime.getRuntime().addShutdownHook(ctrlC);
        List<String> problems = List.of();
        boolean failed = false;
        try (LocalMesh mesh = new LocalMesh(launcher, work)) {
            problems = new DemoRun(mesh, System.out, stopping)
                    .run(durationSeconds == null ? null : Duration.ofSeconds(durationSeconds), start);
        } catch (RuntimeException e) {
            if (!stopping.get()) {
                failed = true;
                System.out.println();
                System.out.println("The demo mesh failed: " + e.getMessage());
                System.out.println("Process logs are in " + work.resolve("logs"));
                keep = true;
            }
        } finally {
            launcher.close();
            if (!problems.isEmpty()) {
                keep = true;
            }
            if (keep) {
                System.out.println("Work folder kept: " + work);
            } else {
                deleteTree(work);
            }
            System.out.println(stopping.get() ? "Stopped; every process of the demo has exited."
                    : "Demo finished; every process of the demo has exited.");
            System.out.flush();
            finished.countDown();
        }
        if (!stopping.get()) {
            try {
                Runtime.getRuntime().removeShutdownHook(ctrlC);
            } catch (IllegalStateException alreadyStopping) {
                // Ctrl-C arrived just now
            }
        }
        if (failed) {
            return 1;
        }
        if (!problems.isEmpty()) {
            System.out.println(problems.size() + " problem(s): the mesh did not route as configured.");
            return 1;
        }
        return 0;
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }
}
