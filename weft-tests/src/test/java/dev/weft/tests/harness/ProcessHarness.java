package dev.weft.tests.harness;

import dev.weft.cli.launch.WeftLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Where end-to-end tests run their child processes: {@code java -cp <this test classpath> dev.weft.cli.Main ...},
 * with each run's config, caches and logs in a fresh folder under {@code target/e2e}, kept for diagnosis.
 */
public final class ProcessHarness {
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
        return new WeftLauncher(testClasspath(), workDir.resolve("logs"));
    }
}
