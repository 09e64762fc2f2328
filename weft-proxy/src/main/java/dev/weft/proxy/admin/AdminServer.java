package dev.weft.proxy.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.ClusterManager;
import dev.weft.dataplane.cluster.UpstreamHost;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The proxy's admin HTTP port (Envoy's admin interface, the parts Weft has so far). Runs on its own small thread,
 * never on the event loops.
 */
public final class AdminServer implements AutoCloseable {
    private static final Map<String, String> ENDPOINTS = new LinkedHashMap<>();

    static {
        ENDPOINTS.put("/ready", "200 \"ready\" once the first config is applied and listeners are bound, else 503");
        ENDPOINTS.put("/config_dump", "applied xDS resources, versions and client status (JSON)");
        ENDPOINTS.put("/clusters", "clusters, their endpoints, health and active requests (JSON; ?format=text)");
        ENDPOINTS.put("/listeners", "bound listeners and bind errors (JSON)");
    }

    /** Jackson (about 375 classes) loads on the first JSON request, not with every sidecar's start. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * @param listeners what /listeners shows
     */
    public AdminServer(String host, int port, BooleanSupplier ready, Supplier<String> configDump,
                       ClusterManager clusters, Supplier<Object> listeners) throws IOException {
        this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "weft-proxy-admin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                send(exchange, 404, "text/plain", "unknown admin path " + exchange.getRequestURI().getPath()
                        + "; see /\n");
                return;
            }
            StringBuilder sb = new StringBuilder("weft proxy admin\n\n");
            ENDPOINTS.forEach((path, what) -> sb.append(String.format("  %-14s %s%n", path, what)));
            send(exchange, 200, "text/plain", sb.toString());
        });
        server.createContext("/ready", exchange -> {
            boolean ok = ready.getAsBoolean();
            send(exchange, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n");
        });
        server.createContext("/config_dump", exchange ->
                send(exchange, 200, "application/json", configDump.get()));
        server.createContext("/clusters", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            if (query != null && query.contains("format=text")) {
                send(exchange, 200, "text/plain", clustersText(clusters));
            } else {
                send(exchange, 200, "application/json", Json.MAPPER.writeValueAsString(clustersJson(clusters)));
            }
        });
        server.createContext("/listeners", exchange ->
                send(exchange, 200, "application/json", Json.MAPPER.writeValueAsString(listeners.get())));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Adds an endpoint whose body {@code body} produces on the admin thread (listed on the index page). */
    public void serve(String path, String description, String contentType, Supplier<String> body) {
        synchronized (ENDPOINTS) {
            ENDPOINTS.put(path, description);
        }
        server.createContext(path, exchange -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
    }

    private static List<Cluster> sorted(ClusterManager clusters) {
        List<Cluster> list = new ArrayList<>(clusters.all());
        list.sort(Comparator.comparing(c -> c.config().name()));
        return list;
    }

    static List<Map<String, Object>> clustersJson(ClusterManager clusters) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Cluster c : sorted(clusters)) {
            Map<String, Object> cluster = new LinkedHashMap<>();
            cluster.put("name", c.config().name());
            cluster.put("type", c.config().type().name());
            cluster.put("lbPolicy", c.config().lbPolicy() == null ? null : c.config().lbPolicy().name());
            List<Map<String, Object>> hosts = new ArrayList<>();
            for (UpstreamHost h : c.hosts()) {
                Map<String, Object> host = new LinkedHashMap<>();
                host.put("address", h.address());
                host.put("healthy", h.endpoint().healthy());
                host.put("weight", h.endpoint().weight());
                host.put("activeRequests", h.activeRequests());
                host.put("outlierEjected", h.outlier().isEjected());
                host.put("ejectionRemainingMillis", h.outlier().ejectionRemainingMillis());
                host.put("timesEjected", h.outlier().timesEjected());
                host.put("sidecar", h.endpoint().sidecar());
                host.put("labels", h.endpoint().labels());
                hosts.add(host);
            }
            cluster.put("endpoints", hosts);
            cluster.put("retryBudget", retryBudget(c));
            cluster.put("connectionPool", connectionPoolJson(c));
            out.add(cluster);
        }
        return out;
    }

    /**
     * Both retry budgets of a cluster: retries in flight against requests in flight (Envoy's retry_budget, or a flat
     * max_retries) and retries against requests over the last seconds (Weft's ratio budget).
     */
    private static Map<String, Object> retryBudget(Cluster c) {
        dev.weft.dataplane.retry.ClusterTraffic t = c.traffic();
        dev.weft.dataplane.retry.RetryBudget concurrency = c.retryBudget();
        long recentRequests = t.recentRequests();
        Map<String, Object> budget = new LinkedHashMap<>();
        budget.put("activeRequests", t.activeRequests());
        budget.put("activeRetries", t.activeRetries());
        budget.put("budgetPercent", concurrency.percent());
        budget.put("minRetryConcurrency", concurrency.minConcurrency());
        budget.put("ratio", t.ratioBudget().ratio());
        budget.put("minRetriesPerSecond", t.ratioBudget().minRetriesPerSecond());
        budget.put("windowSeconds", dev.weft.dataplane.retry.RetryRatioBudget.windowSeconds());
        budget.put("recentRequests", recentRequests);
        budget.put("recentRetries", t.recentRetries());
        budget.put("recentRetriesAllowed", t.ratioBudget().allowedRetries(recentRequests));
        budget.put("retries", t.retriesTotal());
        budget.put("retriesDenied", t.retriesDenied());
        return budget;
    }

    /** The cluster's pool counters under Envoy's stat names, with its limits (0: none). */
    static Map<String, Object> connectionPoolJson(Cluster c) {
        dev.weft.dataplane.pool.ClusterConnections p = c.connections();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("upstream_cx_active", p.activeConnections());
        m.put("upstream_cx_total", p.connectionsTotal());
        m.put("upstream_cx_overflow", p.connectionOverflows());
        m.put("upstream_rq_pending_active", p.pendingRequests());
        m.put("upstream_rq_pending_total", p.pendingTotal());
        m.put("upstream_rq_pending_overflow", p.pendingOverflows());
        m.put("upstream_cx_idle_timeout", p.closedIdleTotal());
        m.put("upstream_cx_max_requests", p.closedMaxRequestsTotal());
        m.put("upstream_cx_max_duration_reached", p.closedMaxDurationTotal());
        m.put("upstream_rq_reused_connection_replay", p.reusedConnectionReplaysTotal());
        m.put("max_connections", c.config().circuitBreakers().maxConnections());
        m.put("max_pending_requests", c.config().circuitBreakers().maxPendingRequests());
        m.put("max_requests", c.config().circuitBreakers().maxRequests());
        return m;
    }

    /** Envoy's /clusters text shape: {@code cluster::host:port::field::value}. */
    static String clustersText(ClusterManager clusters) {
        StringBuilder sb = new StringBuilder();
        for (Cluster c : sorted(clusters)) {
            String name = c.config().name();
            if (c.hosts().isEmpty()) {
                sb.append(name).append("::no_endpoints\n");
            }
            var cb = c.config().circuitBreakers();
            sb.append(name).append("::default_priority::max_connections::").append(cb.maxConnections()).append('\n');
            sb.append(name).append("::default_priority::max_pending_requests::").append(cb.maxPendingRequests())
                    .append('\n');
            sb.append(name).append("::default_priority::max_requests::").append(cb.maxRequests()).append('\n');
            for (Map.Entry<String, Object> e : connectionPoolJson(c).entrySet()) {
                if (e.getKey().startsWith("upstream_")) {
                    sb.append(name).append("::").append(e.getKey()).append("::").append(e.getValue()).append('\n');
                }
            }
            for (UpstreamHost h : c.hosts()) {
                String prefix = name + "::" + h.address() + "::";
                sb.append(prefix).append("rq_active::").append(h.activeRequests()).append('\n');
                String health = h.endpoint().healthy() ? "" : "/failed_eds_health";
                if (h.outlier().isEjected()) {
                    health += "/failed_outlier_check"; // Envoy's flag for an ejected host
                }
                sb.append(prefix).append("health_flags::").append(health.isEmpty() ? "healthy" : health).append('\n');
                sb.append(prefix).append("weight::").append(h.endpoint().weight()).append('\n');
            }
        }
        return sb.toString();
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
