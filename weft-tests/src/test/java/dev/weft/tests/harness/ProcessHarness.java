package dev.weft.tests.harness;

import dev.weft.cli.launch.AotCache;
import dev.weft.cli.launch.ParentWatch;
import dev.weft.cli.launch.WeftLauncher;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where end-to-end tests run their child processes: {@code java -cp <this test classpath> dev.weft.cli.Main ...},
 * with each run's config, caches and logs in a fresh folder under {@code target/e2e}, kept for diagnosis.
 *
 * <p>When the test classpath holds the weft-cli jar built in this reactor run (a {@code verify}/{@code install}
 * build, what {@code ./weft test} runs), children start from that distribution ({@code weft-cli/target/lib})
 * instead, so they can use its start-up cache ({@link AotCache}): the first launcher starts training the cache in
 * the background, and children started once it is ready start faster. Nothing waits for it.
 */
public final class ProcessHarness {
    private static Optional<AotCache> distribution;

    private ProcessHarness() {
    }

    /** The test JVM's classpath: it holds weft-cli and everything it needs. */
    public static String testClasspath() {
        return System.getProperty("java.class.path");
    }

    /** A fresh folder {@code target/e2e/<name>-<time>} for one mesh or one command run. */
    public static Path workDir(String name) {
        Path base = Path.of(System.getProperty("weft.e2e.dir", "target/e2e"));
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss-SSS"));
        try {
            return Files.createDirectories(base.resolve(name + "-" + stamp)).toAbsolutePath();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static WeftLauncher launcher(Path workDir) {
        return new WeftLauncher(childClasspath(), workDir.resolve("logs"));
    }

    /** The classpath of child processes: the reactor's weft-cli distribution if the tests run on its jar. */
    static synchronized String childClasspath() {
        if (distribution == null) {
            distribution = reactorDistribution();
            distribution.ifPresent(ProcessHarness::trainInBackground);
        }
        return distribution.map(AotCache::classpath).orElseGet(ProcessHarness::testClasspath);
    }

    private static Optional<AotCache> reactorDistribution() {
        for (String entry : testClasspath().split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            String name = jar.getFileName() == null ? "" : jar.getFileName().toString();
            if (name.startsWith("weft-cli-") && name.endsWith(".jar") && jar.getParent() != null
                    && jar.getParent().getFileName().toString().equals("target")) {
                return AotCache.forClasspath(entry);
            }
        }
        return Optional.empty();
    }

    private static void trainInBackground(AotCache cache) {
        if (cache.isCurrent() || "0".equals(System.getenv("WEFT_AOT"))) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(WeftLauncher.javaBinary(), "-Xmx128m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-D" + ParentWatch.PARENT_PID_PROPERTY + "=" + ProcessHandle.current().pid(),
                "-cp", cache.classpath(), "dev.weft.cli.Main", "aot-train", "--if-stale"));
        try {
            Path log = Files.createDirectories(Path.of("target")).resolve("aot-train.log").toAbsolutePath();
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            builder.start();
        } catch (IOException e) {
            System.err.println("start-up cache training not started: " + e);
        }
    }
}
