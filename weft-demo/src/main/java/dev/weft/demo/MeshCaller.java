package dev.weft.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Calls another sample service by its mesh name ({@code http://reviews:9080/...}) through the sidecar's outbound
 * HTTP proxy listener, forwarding the headers that tie one user request together, as Istio's bookinfo does.
 */
final class MeshCaller {
    /**
     * Headers a sample copies from its inbound request to its outbound calls: user identity, request and trace ids,
     * and Weft's retry marker and deadline (so a retried request is not retried again further down, and no hop
     * waits longer than the caller).
     */
    static final List<String> PROPAGATED_HEADERS = List.of("end-user", "x-request-id", "traceparent", "tracestate",
            "x-weft-attempt", "x-weft-deadline-ms");

    private final HttpClient client;

    MeshCaller(InetSocketAddress proxy) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2));
        if (proxy != null) {
            builder.proxy(ProxySelector.of(proxy));
        }
        this.client = builder.build();
    }

    /**
     * GETs {@code http://<service>:9080<path>}. Never throws for upstream trouble: the answer says what failed, so
     * a page can show partial results as bookinfo does.
     */
    JsonNode get(String service, String path, HttpExchange inbound) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + service + ":9080" + path))
                .timeout(Duration.ofSeconds(5))
                .GET();
        for (String name : PROPAGATED_HEADERS) {
            String value = inbound.getRequestHeaders().getFirst(name);
            if (value != null) {
                request.header(name, value);
            }
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return Json.MAPPER.readTree(response.body());
            }
            return error("HTTP " + response.statusCode())
                    .put("flags", response.headers().firstValue("x-weft-response-flags").orElse(""))
                    .put("body", response.body().strip());
        } catch (IOException e) {
            return error(e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error("interrupted");
        }
    }

    private static ObjectNode error(String error) {
        return Json.MAPPER.createObjectNode().put("error", error);
    }
}
