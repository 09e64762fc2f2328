package dev.weft.proxy;

import dev.weft.dataplane.cluster.ClusterManager;
import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.xds.NodeIdentity;
import dev.weft.dataplane.xds.XdsClient;
import dev.weft.proxy.admin.AdminServer;
import dev.weft.proxy.tls.ControlPlaneTls;
import dev.weft.proxy.tls.IdentityOptions;
import dev.weft.proxy.tls.WorkloadIdentity;
import dev.weft.proxy.telemetry.ProxyStats;
import dev.weft.proxy.telemetry.ProxyTelemetry;
import dev.weft.proxy.telemetry.TelemetryOptions;
import dev.weft.dataplane.telemetry.PrometheusText;
import dev.weft.dataplane.telemetry.Workload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Weft sidecar: an xDS client that keeps the config current (and cached on disk), the data path that
 * serves the listeners it describes, and the admin port.
 */
public final class Proxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Proxy.class);

    private final ProxyOptions options;
    private final ProxyRuntime runtime;
    private final XdsClient xds;
    private final AdminServer admin;
    private WorkloadIdentity identity; // null: no workload certificate, plaintext only

    private Proxy(ProxyOptions options, ProxyRuntime runtime, XdsClient xds, AdminServer admin) {
        this.options = options;
        this.runtime = runtime;
        this.xds = xds;
        this.admin = admin;
    }

    /**
     * Starts the proxy: applies the cached config at once when there is one (so it serves while the control plane
     * is down), connects to the control plane, and opens the admin port. Does not wait for the first config;
     * {@link #isReady()} says when it is serving.
     */
    public static Proxy start(ProxyOptions options) {
        return start(options, null);
    }

    /** As {@link #start(ProxyOptions)}, reporting as {@code telemetryOptions} says (null: the defaults). */
    public static Proxy start(ProxyOptions options, TelemetryOptions telemetryOptions) {
        return start(options, telemetryOptions, null);
    }

    /**
     * As {@link #start(ProxyOptions, TelemetryOptions)}; with {@code identityOptions} the proxy first obtains its
     * workload certificate (blocking; a refused join token fails the start) and keeps it rotated, for mesh mTLS.
     */
    public static Proxy start(ProxyOptions options, TelemetryOptions telemetryOptions, IdentityOptions identityOptions) {
        NodeIdentity node = nodeIdentity(options);
        Path dataDir = dataDir(options);
        ProxyRuntime runtime = new ProxyRuntime(newClusterManager(), telemetry(options, node, telemetryOptions));
        XdsClient xds = null;
        AdminServer admin = null;
        WorkloadIdentity workload = null;
        try {
            if (identityOptions != null) {
                try {
                    workload = WorkloadIdentity.bootstrap(identityOptions.caUrl(), identityOptions.tokenFile());
                } catch (IOException e) {
                    throw new IllegalStateException("cannot obtain a workload certificate: " + e.getMessage(), e);
                }
                // the node announces namespace and service account too (telemetry, registry): they must be the
                // identity the certificate proves, or peers would see one workload under two names
                String announced = "/ns/" + node.metadata().get("NAMESPACE") + "/sa/" + node.metadata().get("SERVICE_ACCOUNT");
                if (!workload.spiffeId().endsWith(announced)) {
                    throw new IllegalStateException("the join token in " + identityOptions.tokenFile() + " is for "
                            + workload.spiffeId() + ", but --namespace/--service-account say " + announced.substring(1));
                }
                runtime.useMeshTls(workload);
            }
            XdsClient.Options xdsOptions = XdsClient.Options.of(options.controlPlane(), node, dataDir)
                    .withDelta(options.xdsDelta());
            if (workload != null) {
                // an identity: xDS over mTLS with it (the control plane's TLS port binds the node to the certificate)
                xdsOptions = xdsOptions.withCredentials(ControlPlaneTls.credentials(workload));
            }
            xds = new XdsClient(xdsOptions, runtime.xdsNetwork());
            xds.addSnapshotListener(runtime::apply);
            XdsClient client = xds;
            admin = new AdminServer("127.0.0.1", options.adminPort(),
                    () -> serving(client, runtime), client::configDumpJson, runtime.clusters(),
                    () -> listenersStatus(runtime));
            admin.serve("/stats/prometheus", "Istio request metrics and proxy stats (Prometheus text format)",
                    PrometheusText.CONTENT_TYPE, () -> prometheus(client, runtime));
            WorkloadIdentity identity = workload;
            admin.serve("/certs", "the workload certificate: SPIFFE ID, validity, rotations (JSON)", "application/json",
                    () -> identity == null ? "{\"spiffeId\":null}\n" : identity.statusJson());
            xds.start();
            LOG.info("proxy {} started: control plane {} ({} xDS), admin port {}, {} transport, cache {}", node.id(),
                    options.controlPlane(), options.xdsDelta() ? "delta" : "state-of-the-world", admin.port(),
                    runtime.nativeTransport() ? "epoll" : "nio", dataDir);
            Proxy proxy = new Proxy(options, runtime, xds, admin);
            proxy.identity = workload;
            return proxy;
        } catch (IOException e) {
            closeQuietly(admin, xds, runtime, workload);
            throw new UncheckedIOException("cannot open admin port " + options.adminPort(), e);
        } catch (RuntimeException e) {
            closeQuietly(admin, xds, runtime, workload);
            throw e;
        }
    }

    /** The node the proxy announces to the control plane (keys in docs/xds-conventions.md). */
    static NodeIdentity nodeIdentity(ProxyOptions o) {
        String namespace = o.namespace() == null || o.namespace().isBlank() ? "default" : o.namespace();
        String account = o.serviceAccount() == null || o.serviceAccount().isBlank() ? "default" : o.serviceAccount();
        String address = o.address() == null || o.address().isBlank() ? "127.0.0.1" : o.address();
        String protocol = o.appProtocol() == null || o.appProtocol().isBlank() ? "http" : o.appProtocol();
        int servicePort = o.servicePort() > 0 ? o.servicePort() : o.appPort();
        return NodeIdentity.sidecar(o.service(), namespace, account, o.labels(), address, servicePort, o.appPort(),
                protocol, o.inboundPort(), o.outboundPort(), o.upstreams());
    }

    /** Where the last applied config is cached: options.dataDir, or ~/.weft/proxy/NAMESPACE.SERVICE.INBOUNDPORT. */
    static Path dataDir(ProxyOptions o) {
        if (o.dataDir() != null) {
            return o.dataDir();
        }
        String namespace = o.namespace() == null || o.namespace().isBlank() ? "default" : o.namespace();
        return Path.of(System.getProperty("user.home"), ".weft", "proxy",
                namespace + "." + o.service() + "." + o.inboundPort());
    }

    /** Istio's workload labels for this proxy: named {@code SERVICE-VERSION} (Istio: the deployment) by default. */
    static ProxyTelemetry telemetry(ProxyOptions o, NodeIdentity node, TelemetryOptions telemetryOptions) {
        String namespace = o.namespace() == null || o.namespace().isBlank() ? "default" : o.namespace();
        String version = o.labels().get("version");
        String defaultName = version == null ? o.service() : o.service() + "-" + version;
        TelemetryOptions t = telemetryOptions != null ? telemetryOptions : TelemetryOptions.defaults(defaultName);
        String name = t.workloadName() == null || t.workloadName().isBlank() ? defaultName : t.workloadName();
        Map<String, String> labels = new LinkedHashMap<>(o.labels());
        labels.putIfAbsent("app", o.service());
        Workload self = Workload.fromLabels(name, namespace, (String) node.metadata().get("SERVICE_ACCOUNT"), labels);
        try {
            return new ProxyTelemetry(self, node.id(), o.service() + "." + namespace + ".svc.cluster.local", t);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open access log " + t.accessLog() + ": " + e.getMessage(), e);
        }
    }

    private static String prometheus(XdsClient xds, ProxyRuntime runtime) {
        StringBuilder out = new StringBuilder(16 * 1024);
        runtime.telemetry().writePrometheus(out);
        ProxyStats.writeClusters(out, runtime.clusters());
        runtime.telemetry().resilience().writePrometheus(out);
        ProxyStats.writeXds(out, xds.status());
        return out.toString();
    }

    private static ClusterManager newClusterManager() {
        return new DefaultClusterManager();
    }

    private static Map<String, Object> listenersStatus(ProxyRuntime runtime) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String name : runtime.boundListeners()) {
            ports.put(name, runtime.listenerPort(name));
        }
        out.put("bound", ports);
        out.put("errors", runtime.listenerErrors());
        return out;
    }

    public ProxyOptions options() {
        return options;
    }

    public int adminPort() {
        return admin.port();
    }

    /** Serving: a config is applied (from the control plane, or from the disk cache) and its listeners are bound. */
    public boolean isReady() {
        return serving(xds, runtime);
    }

    /** A config restored from the disk cache counts: the proxy serves it while the control plane is away. */
    private static boolean serving(XdsClient xds, ProxyRuntime runtime) {
        return (xds.isWarm() || xds.status().loadedFromCache()) && runtime.isServing();
    }

    /** The port a listener is bound on (e.g. "outbound", "inbound"), or -1. */
    public int listenerPort(String name) {
        return runtime.listenerPort(name);
    }

    public XdsClient xdsClient() {
        return xds;
    }

    @Override
    public void close() {
        closeQuietly(admin, xds, runtime, identity);
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("error while closing {}", r.getClass().getSimpleName(), e);
            }
        }
    }
}
