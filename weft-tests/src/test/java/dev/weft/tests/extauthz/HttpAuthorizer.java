package dev.weft.tests.extauthz;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A real HTTP ext_authz server (the shape of Istio's sample): allows a request carrying {@code x-ext-authz: allow}
 * (200 with {@code x-ext-authz-check-result: allowed} for the upstream and {@code x-ext-authz-trace} for the client),
 * answers {@code teapot} with 418, denies anything else with 403, a text body and {@code x-ext-authz-check-result:
 * denied}. Records every check it gets (path and headers) so tests can see what the sidecar sent.
 */
final class HttpAuthorizer implements AutoCloseable {
    static final String DENIED_BODY = "denied by ext_authz for not found header `x-ext-authz: allow` in the request";

    /** One check request as the authorizer saw it. */
    record Check(String method, String path, Map<String, List<String>> headers) {
        String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return String.join(",", e.getValue());
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    final ConcurrentLinkedQueue<Check> checks = new ConcurrentLinkedQueue<>();

    HttpAuthorizer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", exchange -> {
            var headers = exchange.getRequestHeaders();
            checks.add(new Check(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()),
                    Map.copyOf(headers)));
            exchange.getRequestBody().readAllBytes();
            String verdict = headers.getFirst("x-ext-authz");
            var out = exchange.getResponseHeaders();
            if ("allow".equals(verdict)) {
                out.set("x-ext-authz-check-result", "allowed");
                out.set("x-ext-authz-trace", "checked");
                out.set("x-not-for-upstream", "secret");
                exchange.sendResponseHeaders(200, -1);
            } else if ("teapot".equals(verdict)) {
                exchange.sendResponseHeaders(418, -1);
            } else {
                byte[] body = DENIED_BODY.getBytes(StandardCharsets.UTF_8);
                out.set("x-ext-authz-check-result", "denied");
                out.set("x-not-for-client", "secret");
                out.set("content-type", "text/plain");
                exchange.sendResponseHeaders(403, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
