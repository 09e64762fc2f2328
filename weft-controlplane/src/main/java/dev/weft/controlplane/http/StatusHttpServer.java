package dev.weft.controlplane.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.config.ConfigError;
import dev.weft.controlplane.generator.ResourceJson;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;
import dev.weft.controlplane.registry.WorkloadEndpoint;
import dev.weft.controlplane.source.ConfigDirectorySource;
import dev.weft.controlplane.xds.ProxyStatus;
import dev.weft.controlplane.xds.TypeSyncStatus;
import dev.weft.controlplane.xds.XdsServer;
import dev.weft.controlplane.xds.XdsType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The control plane's status and debug API: {@code /ready}, {@code /debug/syncz}, {@code /debug/config-errors},
 * {@code /debug/registryz}. Read-only views of state owned elsewhere.
 */
public final class StatusHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusHttpServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final HttpServer server;
    private final ExecutorService executor;
    private final XdsServer xds;
    private final ConfigDirectorySource config;
    private final BooleanSupplier ready;

    public StatusHttpServer(InetSocketAddress address, XdsServer xds, ConfigDirectorySource config,
                            BooleanSupplier ready) throws IOException {
        this.xds = xds;
        this.config = config;
        this.ready = ready;
        this.server = HttpServer.create(address, 0);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "weft-cp-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/ready", ex -> handle(ex, this::ready));
        server.createContext("/debug/syncz", ex -> handle(ex, () -> json(syncz())));
        server.createContext("/debug/config-errors", ex -> handle(ex, () -> json(configErrors())));
        server.createContext("/debug/registryz", ex -> handle(ex, () -> json(registryz())));
        server.createContext("/debug/configz", ex -> handle(ex, () -> configz(ex.getRequestURI().getRawQuery())));
        server.createContext("/", ex -> handle(ex, () -> new Response(404, "text/plain",
                "no such endpoint; try /ready, /debug/syncz, /debug/config-errors, /debug/registryz, /debug/configz?proxy=ID\n")));
    }

    public StatusHttpServer start() {
        server.start();
        log.info("control-plane HTTP API on {}", server.getAddress());
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Serves {@code path} with a handler owned elsewhere (the CA's identity endpoints). */
    public void route(String path, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(path, handler);
    }

    private record Response(int status, String contentType, String body) {}

    private interface Handler {
        Response respond() throws IOException;
    }

    private static void handle(HttpExchange ex, Handler handler) throws IOException {
        try (ex) {
            Response r;
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                r = new Response(405, "text/plain", "only GET\n");
            } else {
                try {
                    r = handler.respond();
                } catch (RuntimeException e) {
                    log.error("{} failed", ex.getRequestURI(), e);
                    r = new Response(500, "text/plain", "internal error: " + e + "\n");
                }
            }
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", r.contentType() + "; charset=utf-8");
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(r.status(), head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private Response ready() {
        if (ready.getAsBoolean()) {
            return new Response(200, "text/plain", "ready\n");
        }
        String why = config.hasValidConfig() ? "xDS is not serving yet"
                : "no valid config loaded yet from " + config.directory() + " (see /debug/config-errors)";
        return new Response(503, "text/plain", "not ready: " + why + "\n");
    }

    private static Response json(Object node) throws IOException {
        return new Response(200, "application/json", JSON.writeValueAsString(node) + "\n");
    }

    ArrayNode syncz() {
        ArrayNode proxies = JSON.createArrayNode();
        for (ProxyStatus s : xds.proxyStatuses()) {
            ProxyNode n = s.node();
            ObjectNode p = proxies.addObject();
            p.put("id", n.id());
            p.put("role", n.role());
            p.put("service", n.service());
            p.put("namespace", n.namespace());
            p.put("address", n.address());
            p.put("connectedSince", s.connectedSince().toString());
            p.put("stream", s.streamId());
            p.put("api", s.api());
            ProxyStatus.Authentication auth = s.authentication();
            ObjectNode a = p.putObject("authentication");
            a.put("transport", auth.transport());
            a.put("authenticated", auth.authenticated());
            a.put("spiffeId", auth.spiffeId());
            // what the registration carries: the proven service account, or null (joins no SAN list)
            a.put("registeredServiceAccount", auth.registeredServiceAccount().isEmpty() ? null
                    : auth.registeredServiceAccount());
            ObjectNode types = p.putObject("types");
            for (Map.Entry<XdsType, TypeSyncStatus> e : s.types().entrySet()) {
                TypeSyncStatus t = e.getValue();
                ObjectNode o = types.putObject(e.getKey().shortName());
                o.put("typeUrl", e.getKey().typeUrl());
                o.put("sentVersion", t.sentVersion());
                o.put("sentNonce", t.sentNonce());
                o.put("sentAt", str(t.sentAt()));
                o.put("resources", t.sentResources());
                o.put("ackedVersion", t.ackedVersion());
                o.put("ackedAt", str(t.ackedAt()));
                o.put("inSync", t.inSync());
                if (t.lastNack() == null) {
                    o.putNull("nack");
                } else {
                    ObjectNode nack = o.putObject("nack");
                    nack.put("version", t.lastNack().version());
                    nack.put("nonce", t.lastNack().nonce());
                    nack.put("error", t.lastNack().error());
                    nack.put("time", t.lastNack().time().toString());
                }
            }
        }
        return proxies;
    }

    ArrayNode configErrors() {
        ArrayNode out = JSON.createArrayNode();
        for (ConfigError e : config.errors()) {
            ObjectNode o = out.addObject();
            o.put("file", e.file());
            o.put("line", e.line());
            o.put("kind", e.kind());
            o.put("namespace", e.namespace());
            o.put("name", e.name());
            o.put("field", e.fieldPath());
            o.put("message", e.message());
            o.put("text", e.toString());
        }
        return out;
    }

    ObjectNode registryz() {
        PushContext ctx = xds.currentContext();
        ObjectNode root = JSON.createObjectNode();
        root.put("pushVersion", ctx.version());
        root.put("pushedAt", ctx.createdAt().toString());
        ArrayNode services = root.putArray("services");
        for (MeshService s : ctx.services().values()) {
            ObjectNode o = services.addObject();
            o.put("host", s.host());
            o.put("namespace", s.namespace());
            o.put("resolution", s.resolution().name());
            o.put("origin", s.origin());
            ArrayNode ports = o.putArray("ports");
            for (MeshService.Port port : s.ports()) {
                ObjectNode po = ports.addObject();
                po.put("number", port.number());
                po.put("name", port.name());
                po.put("protocol", port.protocol());
                ArrayNode eps = po.putArray("endpoints");
                for (WorkloadEndpoint e : ctx.endpoints(s.host(), port.number())) {
                    ObjectNode eo = eps.addObject();
                    eo.put("address", e.address());
                    eo.put("port", e.port());
                    ObjectNode labels = eo.putObject("labels");
                    new TreeMap<>(e.labels()).forEach(labels::put);
                    eo.put("sidecar", e.sidecar());
                    eo.put("weight", e.weight());
                    eo.put("origin", e.origin());
                    if (e.serviceAccount() != null) {
                        eo.put("serviceAccount", e.serviceAccount());
                    }
                }
            }
        }
        return root;
    }

    /** What the generators produce for one connected proxy now: {@code /debug/configz?proxy=<node id>}. */
    private Response configz(String query) {
        String id = null;
        if (query != null) {
            for (String kv : query.split("&")) {
                if (kv.startsWith("proxy=")) {
                    id = java.net.URLDecoder.decode(kv.substring("proxy=".length()), StandardCharsets.UTF_8);
                }
            }
        }
        if (id == null) {
            return new Response(400, "text/plain", "usage: /debug/configz?proxy=<node id> (ids in /debug/syncz)\n");
        }
        for (ProxyStatus s : xds.proxyStatuses()) {
            if (s.node().id().equals(id)) {
                return new Response(200, "application/json",
                        ResourceJson.render(xds.generators(), xds.currentContext(), s.node()));
            }
        }
        return new Response(404, "text/plain", "no connected proxy with id " + id + "\n");
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
