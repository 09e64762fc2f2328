package dev.weft.bench;

import dev.weft.cli.launch.AotCache;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What targets share while a harness run lives: the temp directory for generated configs, pid and log files, the
 * process registry that ends everything, the backend's port and how to launch Java programs from this class path.
 */
public final class BenchContext {
    /** The same options the {@code ./weft} launcher gives the JVM (its JVM_FLAGS). */
    static final List<String> BASE_JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow", "-XX:+EnableDynamicAgentLoading",
            "-Dio.netty.machineId=02:00:00:00:00:01", "-XX:+UseCompactObjectHeaders");
    /** The flags the {@code ./weft} launcher adds for {@code weft proxy} (its PROXY_JVM_FLAGS), before --proxy-jvm-opts. */
    static final List<String> PROXY_JVM_FLAGS = List.of("-Xms24m", "-Xmx64m", "-XX:+UseSerialGC", "-Xss256k", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxDirectMemorySize=128m",
            "-Dio.netty.allocator.numDirectArenas=2", "-Dio.netty.allocator.numHeapArenas=2",
            "-Dio.netty.allocator.maxOrder=7", "-XX:TrimNativeHeapInterval=10000",
            "-Dio.netty.leakDetection.level=disabled", "-Dio.netty.jfr.enabled=false");
    /** The environment the launcher sets for {@code weft proxy}, applied through env(1), which keeps the pid. */
    static final List<String> PROXY_ENV = List.of("env", "MALLOC_ARENA_MAX=2");

    private final Path workDir;
    private final ProcessRegistry processes;
    private final int backendPort;
    private final List<String> proxyJvmOptions;
    private final Duration readyTimeout;

    BenchContext(Path workDir, ProcessRegistry processes, int backendPort, List<String> proxyJvmOptions,
                 Duration readyTimeout) {
        this.workDir = workDir;
        this.processes = processes;
        this.backendPort = backendPort;
        this.proxyJvmOptions = List.copyOf(proxyJvmOptions);
        this.readyTimeout = readyTimeout;
    }

    public Path workDir() {
        return workDir;
    }

    public ProcessRegistry processes() {
        return processes;
    }

    public int backendPort() {
        return backendPort;
    }

    public List<String> proxyJvmOptions() {
        return proxyJvmOptions;
    }

    public Duration readyTimeout() {
        return readyTimeout;
    }

    /** A folder of its own for one target's configs and logs. */
    public Path dirFor(String target) throws IOException {
        return Files.createDirectories(workDir.resolve(target));
    }

    /** A port free right now on loopback (the usual small race with other programs is accepted). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /**
     * A command line running {@code weft <args>} the way {@code ./weft} does: from the distribution in
     * {@code weft-cli/target} (its jar and {@code lib/*}) with its start-up cache when current (the launcher builds
     * both; {@code WEFT_AOT=0} leaves the cache out, as for the launcher), else from this class path.
     */
    public static List<String> weftCommand(List<String> jvmOptions, List<String> args) {
        java.util.Optional<AotCache> dist = distribution();
        if (dist.isEmpty()) {
            return javaCommand(jvmOptions, WeftControlPlane.CLI_MAIN, args);
        }
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(BASE_JVM_FLAGS);
        if (!"0".equals(System.getenv("WEFT_AOT"))) {
            command.addAll(dist.get().jvmFlags(args));
        }
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(dist.get().classpath());
        command.add(WeftControlPlane.CLI_MAIN);
        command.addAll(args);
        return command;
    }

    /** The Weft distribution next to this harness ({@code -Dweft.bench.dist}, set by run.sh), if built. */
    static java.util.Optional<AotCache> distribution() {
        String dir = System.getProperty("weft.bench.dist");
        if (dir == null) {
            return java.util.Optional.empty();
        }
        try (var jars = Files.newDirectoryStream(Path.of(dir), "weft-cli-*.jar")) {
            for (Path jar : jars) {
                if (!jar.getFileName().toString().endsWith("-sources.jar")) {
                    return AotCache.forClasspath(jar.toString());
                }
            }
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.empty();
    }

    /**
     * Trains the distribution's start-up cache when it is not current (after a build), with the sidecar's flags, as
     * {@code ./weft} does; returns a line for the log.
     */
    static String ensureAotCache(ProcessRegistry processes) throws IOException, InterruptedException {
        java.util.Optional<AotCache> dist = distribution();
        if (dist.isEmpty() || "0".equals(System.getenv("WEFT_AOT"))) {
            return "no start-up cache (" + (dist.isEmpty() ? "no distribution" : "WEFT_AOT=0") + ")";
        }
        if (dist.get().isCurrent()) {
            return "start-up cache " + dist.get() + " is current";
        }
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(BASE_JVM_FLAGS);
        command.addAll(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", dist.get().classpath(),
                WeftControlPlane.CLI_MAIN, "aot-train", "--if-stale"));
        PROXY_JVM_FLAGS.forEach(flag -> command.add("--jvm-flag=" + flag));
        ManagedProcess training = processes.start("aot-train", command);
        training.handle().onExit().join();
        return dist.get().isCurrent() ? "start-up cache trained: " + dist.get()
                : "start-up cache training failed (continuing without): " + training.lastLogLine();
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** A command line running {@code mainClass} on this JVM and class path. */
    public static List<String> javaCommand(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(BASE_JVM_FLAGS);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /** A target that is one process listening on {@code port}: waits until it reaches the backend, then describes it. */
    RunningTarget awaitRunning(String name, int port, String hostHeader, ManagedProcess process)
            throws TargetUnavailableException {
        double ready = awaitBackendReachable(name, port, hostHeader, process.startedNanos(), List.of(process));
        return new RunningTarget(name, port, hostHeader, List.of(process.handle()), ready);
    }

    /**
     * Waits until a GET through host:port with the given Host header is answered by the backend. Returns the seconds
     * from {@code sinceNanos} to the start of the first probe that got through (probes are 20 ms apart); throws with the last answer and the process log when the time is up or it died.
     */
    public double awaitBackendReachable(String what, int port, String hostHeader, long sinceNanos,
                                        List<ManagedProcess> watched) throws TargetUnavailableException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            long probeStart = System.nanoTime();
            last = HttpProbe.get("127.0.0.1", port, hostHeader, "/");
            if (HttpProbe.reachesBackend(last)) {
                return (probeStart - sinceNanos) / 1e9;
            }
            for (ManagedProcess p : watched) {
                if (!p.isAlive()) {
                    throw new TargetUnavailableException(what + ": " + p.name() + " exited: " + p.lastLogLine()
                            + " (log " + p.log() + ")\n" + p.logTail(15));
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TargetUnavailableException(what + ": interrupted");
            }
        }
        StringBuilder message = new StringBuilder(what + ": no backend answer through 127.0.0.1:" + port
                + " (Host: " + hostHeader + ") within " + readyTimeout.toSeconds() + " s; last answer: "
                + last.replace("\r\n", " | "));
        for (ManagedProcess p : watched) {
            message.append("\n--- ").append(p.log()).append(":\n").append(p.logTail(15));
        }
        throw new TargetUnavailableException(message.toString());
    }
}
