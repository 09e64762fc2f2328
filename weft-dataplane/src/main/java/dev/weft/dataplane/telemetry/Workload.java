package dev.weft.dataplane.telemetry;

import java.util.Map;

/**
 * Who is at one end of a hop, as Istio's metric labels describe a workload. Compared by value with a hash computed
 * once, and interned by {@link PeerMetadataCodec}, so a metric label set holding one hashes and compares cheaply.
 */
public final class Workload {
    public static final String UNKNOWN = "unknown";
    /** A peer that sent no metadata (no sidecar, or not a Weft/Istio one). */
    public static final Workload UNKNOWN_WORKLOAD = new Workload(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, Map.of());

    private final String name;
    private final String namespace;
    private final String app;
    private final String version;
    private final String serviceAccount;
    private final Map<String, String> labels;
    private final int hash;

    public Workload(String name, String namespace, String app, String version, String serviceAccount,
                    Map<String, String> labels) {
        this.name = orUnknown(name);
        this.namespace = orUnknown(namespace);
        this.app = orUnknown(app);
        this.version = orUnknown(version);
        this.serviceAccount = orUnknown(serviceAccount);
        this.labels = Map.copyOf(labels);
        this.hash = java.util.Objects.hash(this.name, this.namespace, this.app, this.version, this.serviceAccount);
    }

    /** From workload labels, as Istio derives app and version (app / version labels, or the canonical ones). */
    public static Workload fromLabels(String name, String namespace, String serviceAccount, Map<String, String> labels) {
        String app = first(labels, "service.istio.io/canonical-name", "app.kubernetes.io/name", "app");
        String version = first(labels, "service.istio.io/canonical-revision", "app.kubernetes.io/version", "version");
        return new Workload(name, namespace, app, version, serviceAccount, labels);
    }

    private static String first(Map<String, String> labels, String... keys) {
        for (String k : keys) {
            String v = labels.get(k);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    private static String orUnknown(String s) {
        return s == null || s.isEmpty() ? UNKNOWN : s;
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return namespace;
    }

    public String app() {
        return app;
    }

    public String version() {
        return version;
    }

    public String serviceAccount() {
        return serviceAccount;
    }

    public Map<String, String> labels() {
        return labels;
    }

    /** Istio's canonical service: the app label, else the workload name. */
    public String canonicalService() {
        return !UNKNOWN.equals(app) ? app : name;
    }

    /** Istio's canonical revision: the version label, else {@code latest}. */
    public String canonicalRevision() {
        return !UNKNOWN.equals(version) ? version : (this == UNKNOWN_WORKLOAD ? UNKNOWN : "latest");
    }

    /** Labels beyond the ones metrics use do not count: two workloads with the same metric labels are one. */
    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof Workload w && hash == w.hash && name.equals(w.name)
                && namespace.equals(w.namespace) && app.equals(w.app) && version.equals(w.version)
                && serviceAccount.equals(w.serviceAccount));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return name + "." + namespace;
    }
}
