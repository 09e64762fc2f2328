package dev.weft.cli.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A {@code weft proxy} child on fixed ports, with its own config cache folder so a restart finds its cache. */
public final class Sidecar {
    private final WeftLauncher launcher;
    private final SidecarSpec spec;
    private final String controlPlane;
    private final String controlPlaneTls;
    private final Path dataDir;
    private final int inboundPort = FreePorts.next();
    private final int outboundPort = FreePorts.next();
    private final int adminPort = FreePorts.next();
    private ChildProcess process;
    private int starts;
    private List<String> extraArgs = List.of();

    Sidecar(WeftLauncher launcher, SidecarSpec spec, String controlPlane, String controlPlaneTls, Path dataDir) {
        this.launcher = launcher;
        this.spec = spec;
        this.controlPlane = controlPlane;
        this.controlPlaneTls = controlPlaneTls;
        this.dataDir = dataDir;
    }

    /** Further {@code weft proxy} flags (telemetry settings, say), used from the next {@link #start} on. */
    public synchronized Sidecar extraArgs(List<String> args) {
        this.extraArgs = List.copyOf(args);
        return this;
    }

    /** Starts the proxy (again, after {@link #stop} or {@link #kill}); returns without waiting for readiness. */
    public synchronized Sidecar start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("sidecar already running: " + process);
        }
        // a sidecar with a workload identity talks xDS over mTLS, to the TLS port
        boolean identity = extraArgs.contains("--token-file");
        List<String> args = new ArrayList<>(List.of("proxy",
                "--control-plane", identity ? controlPlaneTls : controlPlane,
                "--service", spec.service(),
                "--namespace", spec.namespace(),
                "--app-port", Integer.toString(spec.appPort()),
                "--service-port", Integer.toString(spec.servicePort()),
                "--inbound-port", Integer.toString(inboundPort),
                "--outbound-port", Integer.toString(outboundPort),
                "--admin-port", Integer.toString(adminPort),
                "--data-dir", dataDir.toString()));
        if (!spec.labels().isEmpty()) {
            StringBuilder labels = new StringBuilder();
            new TreeMap<>(spec.labels()).forEach((k, v) -> labels.append(labels.isEmpty() ? "" : ",").append(k).append('=').append(v));
            args.add("--labels");
            args.add(labels.toString());
        }
        for (String upstream : spec.upstreams()) {
            args.add("--upstream");
            args.add(upstream);
        }
        args.addAll(extraArgs);
        starts++;
        process = launcher.start(starts == 1 ? "proxy-" + spec.name() : "proxy-" + spec.name() + "-" + starts, args);
        return this;
    }

    public Sidecar awaitReady(Duration timeout) {
        HttpProbe.awaitHttp200(process, adminUrl("/ready"), timeout);
        return this;
    }

    public void stop() {
        process.stop(Duration.ofSeconds(5));
    }

    public void kill() {
        process.kill();
    }

    public String adminUrl(String path) {
        return "http://127.0.0.1:" + adminPort + path;
    }

    public SidecarSpec spec() {
        return spec;
    }

    public int inboundPort() {
        return inboundPort;
    }

    public int outboundPort() {
        return outboundPort;
    }

    public int adminPort() {
        return adminPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public ChildProcess process() {
        return process;
    }

    public Map<String, Integer> ports() {
        return Map.of("inbound", inboundPort, "outbound", outboundPort, "admin", adminPort);
    }
}
