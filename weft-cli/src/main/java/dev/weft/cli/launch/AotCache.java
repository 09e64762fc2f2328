package dev.weft.cli.launch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JDK 25 ahead-of-time cache (JEP 483/514/515) of one Weft distribution: one file per command
 * ({@code controlplane.aot}, {@code demo-service.aot}) and two for sidecars, {@code proxy.aot} (plaintext) and
 * {@code proxy-mtls.aot} (with a workload identity), in {@code <dist>/aot}, made by {@code weft aot-train} from a
 * short run of a real mesh. A JVM started with a cache loads and links every class in it at once, needed or not, so
 * a plaintext sidecar gets a cache without the TLS classes an mTLS sidecar needs. With it a JVM starts with the classes it loaded, linked and
 * profiled during training already in place, instead of parsing and linking some 6,000 classes again.
 *
 * <p>A cache belongs to the exact jars it was trained on: {@code stamp} records the JDK and each jar's name, size and
 * modification time, and a cache whose stamp no longer matches is not used (the JVM would refuse it anyway, with a
 * warning). A missing or stale cache is simply skipped: start-up is slower, nothing else changes.
 */
public final class AotCache {
    /** The caches: one per command whose start-up they cover, the sidecar's in two kinds. */
    public static final List<String> CACHES = List.of("controlplane", "proxy", "proxy-mtls", "demo-service");
    static final String STAMP = "stamp";

    private final Path distribution;

    private AotCache(Path distribution) {
        this.distribution = distribution;
    }

    /**
     * The cache of the distribution a classpath runs from ({@code weft-cli-*.jar} first, its {@code lib/} jars after
     * it, as {@code ./weft} starts it), or empty for any other classpath (class folders of a test run, say: the JVM
     * caches only classes from jars).
     */
    public static Optional<AotCache> forClasspath(String classpath) {
        String first = classpath.split(File.pathSeparator, 2)[0];
        Path jar = Path.of(first);
        String name = jar.getFileName() == null ? "" : jar.getFileName().toString();
        if (!name.startsWith("weft-cli-") || !name.endsWith(".jar") || name.endsWith("-sources.jar")) {
            return Optional.empty();
        }
        Path dist = jar.toAbsolutePath().getParent();
        return Files.isDirectory(dist.resolve("lib")) ? Optional.of(new AotCache(dist)) : Optional.empty();
    }

    /** The distribution's classpath as {@code ./weft} passes it: the CLI jar, then {@code lib/*}. */
    public String classpath() {
        return cliJar() + File.pathSeparator + distribution.resolve("lib") + File.separator + "*";
    }

    public Path directory() {
        return distribution.resolve("aot");
    }

    public Path file(String command) {
        return directory().resolve(command + ".aot");
    }

    /** True when every command's cache exists and was trained on exactly these jars and this JDK. */
    public boolean isCurrent() {
        try {
            Path stamp = directory().resolve(STAMP);
            if (!Files.isRegularFile(stamp) || !Files.readString(stamp, StandardCharsets.UTF_8).equals(fingerprint())) {
                return false;
            }
            return CACHES.stream().allMatch(c -> Files.isRegularFile(file(c)));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The cache a {@code weft <args>} process uses: its command's, and {@code proxy-mtls} for a sidecar with a join
     * token ({@code --token-file}).
     */
    public static String cacheName(List<String> args) {
        if (args.isEmpty()) {
            return "";
        }
        String command = args.getFirst();
        boolean identity = args.stream().anyMatch(a -> a.equals("--token-file") || a.startsWith("--token-file="));
        return command.equals("proxy") && identity ? "proxy-mtls" : command;
    }

    /**
     * The JVM flags that use the cache of {@code weft <args>} ({@link #cacheName}), or none when it has no current
     * cache. The cache's own log lines are silenced: a cache the JVM cannot use (a flag that differs from training)
     * is skipped quietly.
     */
    public List<String> jvmFlags(List<String> args) {
        String name = cacheName(args);
        if (!CACHES.contains(name) || !isCurrent()) {
            return List.of();
        }
        return List.of("-XX:AOTCache=" + file(name), "-Xlog:aot=off", "-Xlog:cds=off");
    }

    /** {@link #jvmFlags(List)} of a command without arguments. */
    public List<String> jvmFlags(String command) {
        return jvmFlags(List.of(command));
    }

    /** What the cache depends on: the JDK, then each jar of the distribution with its size and modification time. */
    String fingerprint() throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("java ").append(System.getProperty("java.home")).append(' ').append(Runtime.version()).append('\n');
        List<Path> jars = new ArrayList<>();
        jars.add(cliJar());
        try (DirectoryStream<Path> lib = Files.newDirectoryStream(distribution.resolve("lib"), "*.jar")) {
            lib.forEach(jars::add);
        }
        jars.subList(1, jars.size()).sort(null);
        for (Path jar : jars) {
            out.append(jar.getFileName()).append(' ').append(Files.size(jar)).append(' ')
                    .append(Files.getLastModifiedTime(jar).toMillis()).append('\n');
        }
        return out.toString();
    }

    /** Records, in {@code dir}, what a cache trained now depends on. */
    public void writeStamp(Path dir) throws IOException {
        Files.writeString(dir.resolve(STAMP), fingerprint(), StandardCharsets.UTF_8);
    }

    private Path cliJar() {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(distribution, "weft-cli-*.jar")) {
            for (Path jar : jars) {
                if (!jar.getFileName().toString().endsWith("-sources.jar")) {
                    return jar;
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no weft-cli jar in " + distribution);
    }

    @Override
    public String toString() {
        return directory().toString();
    }
}
