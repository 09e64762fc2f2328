package dev.weft.controlplane;

import dev.weft.config.ConfigError;
import dev.weft.controlplane.ca.CaOptions;
import dev.weft.controlplane.ca.ControlPlaneCertificate;
import dev.weft.controlplane.ca.IdentityService;
import dev.weft.controlplane.ca.JoinTokens;
import dev.weft.controlplane.generator.Generators;
import dev.weft.controlplane.http.StatusHttpServer;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.push.PushQueue;
import dev.weft.controlplane.push.PushReason;
import dev.weft.controlplane.registry.ProxyRegistry;
import dev.weft.controlplane.registry.RegistryFile;
import dev.weft.controlplane.registry.ServiceCatalogBuilder;
import dev.weft.controlplane.source.ConfigDirectorySource;
import dev.weft.controlplane.source.ReloadOutcome;
import dev.weft.controlplane.telemetry.ControlPlaneMetrics;
import dev.weft.controlplane.xds.GeneratorWarmup;
import dev.weft.controlplane.xds.XdsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running control plane (DESIGN.md §3): config directory and proxy registrations feed a debounced push
 * queue; each push builds one immutable {@link PushContext} and hands it to the ADS server.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

    private final ControlPlaneOptions options;
    private final ScheduledExecutorService timers;
    private final ConfigDirectorySource config;
    private final ProxyRegistry registry;
    private final RegistryFile registryFile;
    private final PushQueue pushQueue;
    private final AtomicLong pushVersions = new AtomicLong();
    private final ControlPlaneMetrics metrics = new ControlPlaneMetrics();
    private volatile XdsServer xds;
    private volatile boolean servingValidConfig;
    private StatusHttpServer http;
    private IdentityService identity;

    private ControlPlane(ControlPlaneOptions options) {
        this.options = options;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-cp-timers");
            t.setDaemon(true);
            return t;
        });
        this.config = new ConfigDirectorySource(options.configDir());
        this.pushQueue = new PushQueue(options.debounce(), this::push);
        this.registry = new ProxyRegistry(options.endpointGracePeriod(), timers,
                () -> {
                    metrics.onChangeEvent();
                    pushQueue.enqueue(PushReason.REGISTRY);
                });
        this.registryFile = new RegistryFile(options.dataDir());
    }

    public static ControlPlane start(ControlPlaneOptions options) throws IOException {
        return start(options, CaOptions.defaults());
    }

    /** Starts with the given CA settings (trust domain, certificate TTL, operator-supplied CA). */
    public static ControlPlane start(ControlPlaneOptions options, CaOptions caOptions) throws IOException {
        if (!Files.isDirectory(options.configDir())) {
            throw new NoSuchFileException(options.configDir().toString(), null, "config directory does not exist");
        }
        ControlPlane cp = new ControlPlane(options);
        try {
            cp.identity = new IdentityService(caOptions.open(options.dataDir()),
                    JoinTokens.loadOrCreate(options.dataDir().resolve("ca")));
            cp.startServing();
        } catch (IOException | RuntimeException e) {
            cp.close();
            throw e;
        }
        return cp;
    }

    private void startServing() throws IOException {
        config.reload();
        registry.restore(registryFile.load());
        boolean valid = config.hasValidConfig();
        xds = new XdsServer(options.xdsPort(), xdsSecurity(), Generators.standard(), registry, buildContext())
                .metrics(metrics).start();
        GeneratorWarmup.run(xds.generators(), xds.currentContext()); // before /ready: the first proxy finds it warm
        // counted from now: starting the servers (TLS, under load) must not eat the proxies' time to reconnect
        registry.startRestoreWindow(restoreWindow(options.endpointGracePeriod()));
        servingValidConfig = valid;
        metrics.gauges(() -> xds.proxyStatuses().size(), () -> config.errors().size());
        http = new StatusHttpServer(new InetSocketAddress(options.httpBindAddress(), options.httpPort()), xds, config,
                this::ready).start();
        http.route("/metrics", exchange -> {
            StringBuilder text = new StringBuilder(metrics.prometheusText());
            identity.metrics().writePrometheus(text);
            byte[] body = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.route("/v1/tokens", identity::handleTokens);
        http.route("/v1/certificates", identity::handleCertificates);
        // Changes made between the first load and the watch starting are caught by the watcher's polling.
        config.watch(timers, () -> {
            metrics.onChangeEvent();
            pushQueue.enqueue(PushReason.CONFIG_FILES);
        });
    }

    /** The TLS port's certificate and the stream authentication policy; null without a TLS port. */
    private XdsServer.Security xdsSecurity() {
        if (options.xdsTlsPort() < 0) {
            if (!options.allowUnauthenticatedRegistration()) {
                log.warn("no TLS xDS port: every stream is unauthenticated, so no proxy can register an endpoint; "
                        + "set --xds-tls-port, or --allow-unauthenticated-registration for a plaintext mesh");
            }
            return new XdsServer.Security(-1, null, null, identity.ca().trustDomain(),
                    options.allowUnauthenticatedRegistration());
        }
        List<String> dns = new java.util.ArrayList<>(List.of("localhost"));
        List<String> ips = new java.util.ArrayList<>(List.of("127.0.0.1", "::1"));
        for (String san : options.xdsTlsSans()) {
            (isIpAddress(san) ? ips : dns).add(san);
        }
        ControlPlaneCertificate certificate = new ControlPlaneCertificate(identity.ca(), dns, ips, timers);
        return new XdsServer.Security(options.xdsTlsPort(), certificate.keyManager(), certificate.clientTrustManager(),
                identity.ca().trustDomain(), options.allowUnauthenticatedRegistration());
    }

    private static boolean isIpAddress(String s) {
        return s.matches("[0-9.]+") || s.contains(":");
    }

    /** Runs on the push queue's thread, one push at a time. */
    private void push(Set<PushReason> reasons) {
        if (xds == null) {
            reasons.forEach(pushQueue::enqueue); // still starting: the first context is being built; come back later
            return;
        }
        if (reasons.contains(PushReason.CONFIG_FILES)) {
            ReloadOutcome outcome = config.reload();
            boolean configChanged = outcome instanceof ReloadOutcome.Accepted;
            if (outcome instanceof ReloadOutcome.Rejected) {
                metrics.onConfigRejected();
            }
            if (!configChanged && reasons.equals(Set.of(PushReason.CONFIG_FILES))) {
                return; // nothing served changes
            }
        }
        boolean valid = config.hasValidConfig();
        PushContext context = buildContext();
        if (reasons.contains(PushReason.REGISTRY)) {
            registryFile.save(registry.registered());
        }
        metrics.onPush(context.version(), reasons);
        log.info("push {} for {}: {} service(s), {} proxies connected", context.version(), reasons,
                context.services().size(), xds.proxyStatuses().size());
        xds.push(context);
        servingValidConfig = valid;
    }

    /**
     * How long registrations restored at start wait for their proxies: at least 15 s, because every proxy
     * reconnects at once after a restart, each after up to 5 s of backoff (XdsClient), on a machine then busy.
     */
    static Duration restoreWindow(Duration gracePeriod) {
        Duration floor = Duration.ofSeconds(15);
        return gracePeriod.compareTo(floor) > 0 ? gracePeriod : floor;
    }

    private PushContext buildContext() {
        var meshConfig = config.current();
        return new PushContext(pushVersions.incrementAndGet(), meshConfig,
                ServiceCatalogBuilder.build(meshConfig, registry.registered(), identity.ca().trustDomain()));
    }

    /**
     * Whether xDS serves a push context built from a valid config: what {@code GET /ready} reports. Set after the
     * push, not at reload, so a proxy connecting the moment /ready turns 200 gets the fixed config.
     */
    public boolean ready() {
        return servingValidConfig;
    }

    public int xdsPort() {
        return xds.port();
    }

    /** The TLS xDS port, or -1 when there is none. */
    public int xdsTlsPort() {
        return xds.tlsPort();
    }

    public int httpPort() {
        return http.port();
    }

    /** Errors of the last rejected config change; empty when the files on disk are what is served. */
    public List<ConfigError> configErrors() {
        return config.errors();
    }

    /** The CA and join tokens behind {@code /v1/tokens} and {@code /v1/certificates}. */
    public IdentityService identity() {
        return identity;
    }

    /** Pushes, NACKs, convergence: what {@code GET /metrics} shows. */
    public ControlPlaneMetrics metrics() {
        return metrics;
    }

    /** The push context proxies are being served from now. */
    public PushContext currentPushContext() {
        return xds.currentContext();
    }

    @Override
    public void close() {
        pushQueue.close();
        config.close();
        if (http != null) {
            http.close();
        }
        if (xds != null) {
            xds.close();
        }
        timers.shutdownNow();
    }
}
