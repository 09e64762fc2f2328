package dev.weft.cli.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A mesh of child processes on this machine: one control plane, sample services, and a sidecar per workload, all
 * on ephemeral ports under one work folder (config, caches, logs). Used by {@code weft demo} and the end-to-end
 * tests. Closing it stops every process it started.
 */
public final class LocalMesh implements AutoCloseable {
    private final WeftLauncher launcher;
    private final Path workDir;
    private ControlPlaneProcess controlPlane;

    public LocalMesh(WeftLauncher launcher, Path workDir) {
        this.launcher = launcher;
        this.workDir = workDir;
        try {
            Files.createDirectories(configDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path workDir() {
        return workDir;
    }

    /** Where the control plane reads its YAML. */
    public Path configDir() {
        return workDir.resolve("config");
    }

    /** Starts {@code weft controlplane} on {@link #configDir()}. */
    public ControlPlaneProcess startControlPlane(String... extraArgs) {
        if (controlPlane != null) {
            throw new IllegalStateException("this mesh already has a control plane");
        }
        controlPlane = new ControlPlaneProcess(launcher, configDir(), workDir.resolve("data").resolve("controlplane"),
                List.of(extraArgs));
        return controlPlane.start();
    }

    public ControlPlaneProcess controlPlane() {
        return controlPlane;
    }

    /** Starts {@code weft proxy} for one workload, pointed at this mesh's control plane. */
    public Sidecar startSidecar(SidecarSpec spec) {
        return createSidecar(spec).start();
    }

    /**
     * Allocates a sidecar's ports without starting it, so its app can be told the outbound port first and the
     * sidecar can wait until the control plane is up (a proxy started earlier would sit in connect backoff).
     */
    public Sidecar createSidecar(SidecarSpec spec) {
        if (controlPlane == null) {
            throw new IllegalStateException("create the control plane first");
        }
        return new Sidecar(launcher, spec, controlPlane.xdsAddress(), controlPlane.xdsTlsAddress(),
                workDir.resolve("data").resolve("proxy-" + spec.name()));
    }

    /** Starts {@code weft demo-service}; {@code proxyPort} is its sidecar's outbound port (0: none). */
    public ChildProcess startDemoService(String name, String service, String version, int port, int proxyPort) {
        List<String> args = new ArrayList<>(List.of("demo-service", "--service", service, "--version", version,
                "--port", Integer.toString(port)));
        if (proxyPort > 0) {
            args.add("--proxy");
            args.add("127.0.0.1:" + proxyPort);
        }
        return launcher.start("app-" + name, args);
    }

    @Override
    public void close() {
        launcher.close();
    }
}
