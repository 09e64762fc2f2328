package dev.weft.cli.launch;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Starts {@code weft} commands as child JVMs on the same java and classpath, with small heaps, and makes sure none
 * outlives its parent: {@link #close()} and a shutdown hook stop them all, and each child also watches its parent's
 * pid and exits when the parent is gone (covers a parent killed with SIGKILL).
 */
public final class WeftLauncher implements AutoCloseable {
    /** Light JVM flags: children are small and short-lived, startup time matters more than peak speed. */
    public static final List<String> CHILD_JVM_FLAGS = List.of(
            "-Xms16m", "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
            "-XX:+UseCompactObjectHeaders", // JDK 25: 8-byte headers, about a tenth less heap
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "-Dio.netty.machineId=02:00:00:00:00:01");

    private final String classpath;
    private final Path logDir;
    private final Function<List<String>, List<String>> commandJvmFlags;
    private final List<ChildProcess> children = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook;

    /**
     * Children use the distribution's AOT cache ({@link AotCache}) for their command when the classpath is a
     * distribution's and its cache is current.
     *
     * @param classpath the classpath holding {@code dev.weft.cli.Main} and its dependencies
     * @param logDir where each child's stdout and stderr go, one file per child
     */
    public WeftLauncher(String classpath, Path logDir) {
        this(classpath, logDir, aotCacheFlags(classpath));
    }

    /**
     * @param commandJvmFlags further JVM flags for a child, by its arguments ({@code proxy ...}), after
     *                        {@link #CHILD_JVM_FLAGS}
     */
    public WeftLauncher(String classpath, Path logDir, Function<List<String>, List<String>> commandJvmFlags) {
        this.classpath = classpath;
        this.logDir = logDir;
        this.commandJvmFlags = commandJvmFlags;
        this.shutdownHook = new Thread(this::stopAll, "weft-children-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A launcher for children of the running {@code weft} itself. */
    public static WeftLauncher forCurrentProcess(Path logDir) {
        return new WeftLauncher(System.getProperty("java.class.path"), logDir);
    }

    private static Function<List<String>, List<String>> aotCacheFlags(String classpath) {
        return AotCache.forClasspath(classpath)
                .<Function<List<String>, List<String>>>map(cache -> cache::jvmFlags)
                .orElse(args -> List.of());
    }

    public static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts {@code weft <args>} as a child named {@code name} (also its log file's name). */
    public ChildProcess start(String name, List<String> args) {
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(name + ".log");
            List<String> command = new ArrayList<>();
            command.add(javaBinary());
            command.addAll(CHILD_JVM_FLAGS);
            command.addAll(commandJvmFlags.apply(args));
            command.add("-D" + ParentWatch.PARENT_PID_PROPERTY + "=" + ProcessHandle.current().pid());
            command.add("-cp");
            command.add(classpath);
            command.add("dev.weft.cli.Main");
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            // glibc's default (8 arenas per core) only adds resident memory to small JVMs (docs/benchmarks.md)
            builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
            ChildProcess child = new ChildProcess(name, command, builder.start(), log);
            children.add(child);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start weft " + String.join(" ", args), e);
        }
    }

    /** Stops every child: SIGTERM to all at once, then SIGKILL for whatever is left after a short grace period. */
    public void stopAll() {
        stopAll(Duration.ofSeconds(3));
    }

    /** Like {@link #stopAll()} with a grace period of {@code grace} (children with work to finish at exit). */
    public void stopAll(Duration grace) {
        for (ChildProcess child : children) {
            child.process().destroy();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (ChildProcess child : children) {
            child.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run
        }
    }
}
