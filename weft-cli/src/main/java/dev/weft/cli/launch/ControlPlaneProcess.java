package dev.weft.cli.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@code weft controlplane} child on fixed ports, so it can be stopped and started again where proxies expect it. */
public final class ControlPlaneProcess {
    private final WeftLauncher launcher;
    private final Path configDir;
    private final Path dataDir;
    private final int xdsPort;
    private final int xdsTlsPort;
    private final int httpPort;
    private final List<String> extraArgs;
    private ChildProcess process;
    private int starts;

    ControlPlaneProcess(WeftLauncher launcher, Path configDir, Path dataDir, List<String> extraArgs) {
        this.launcher = launcher;
        this.configDir = configDir;
        this.dataDir = dataDir;
        this.extraArgs = List.copyOf(extraArgs);
        this.xdsPort = FreePorts.next();
        this.xdsTlsPort = FreePorts.next();
        this.httpPort = FreePorts.next();
    }

    /** Starts the process (again, after {@link #stop} or {@link #kill}); returns without waiting for readiness. */
    public synchronized ControlPlaneProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("control plane already running: " + process);
        }
        List<String> args = new ArrayList<>(List.of("controlplane",
                "--config-dir", configDir.toString(),
                "--xds-port", Integer.toString(xdsPort),
                "--xds-tls-port", Integer.toString(xdsTlsPort),
                "--http-port", Integer.toString(httpPort),
                "--data-dir", dataDir.toString()));
        args.addAll(extraArgs);
        starts++;
        process = launcher.start(starts == 1 ? "controlplane" : "controlplane-" + starts, args);
        return this;
    }

    public ControlPlaneProcess awaitReady(Duration timeout) {
        HttpProbe.awaitHttp200(process, url("/ready"), timeout);
        return this;
    }

    /** SIGTERM and wait: a clean shutdown. */
    public void stop() {
        process.stop(Duration.ofSeconds(5));
    }

    /** SIGKILL: the control plane crashes. */
    public void kill() {
        process.kill();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    public String xdsAddress() {
        return "127.0.0.1:" + xdsPort;
    }

    /** Where proxies with a workload certificate connect (mTLS; their node is bound to the certificate). */
    public String xdsTlsAddress() {
        return "127.0.0.1:" + xdsTlsPort;
    }

    public int xdsTlsPort() {
        return xdsTlsPort;
    }

    public int xdsPort() {
        return xdsPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Path configDir() {
        return configDir;
    }

    public ChildProcess process() {
        return process;
    }
}
