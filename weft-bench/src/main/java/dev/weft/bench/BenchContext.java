package dev.weft.bench;

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
    /** The same options the {@code ./weft} launcher gives the JVM. */
    static final List<String> BASE_JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow", "-XX:+EnableDynamicAgentLoading",
            "-Dio.netty.machineId=02:00:00:00:00:01");
    /** The flags the {@code ./weft} launcher adds for {@code weft proxy} (its PROXY_JVM_FLAGS), before --proxy-jvm-opts. */
    static final List<String> PROXY_JVM_FLAGS = List.of("-Xms24m", "-Xmx64m", "-XX:+UseSerialGC",
            "-XX:+UseCompactObjectHeaders", "-Xss256k", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxDirectMemorySize=128m",
            "-Dio.netty.allocator.numDirectArenas=2", "-Dio.netty.allocator.numHeapArenas=2",
            "-XX:TrimNativeHeapInterval=10000", "-Dio.netty.leakDetection.level=disabled");
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
