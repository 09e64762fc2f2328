package dev.weft.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test helper service: echoes what it received, and offers a few paths that make an upstream misbehave on purpose.
 * <ul>
 *   <li>{@code /status/<code>}: answers with that status</li>
 *   <li>{@code /delay/<ms>}: waits, then echoes</li>
 *   <li>{@code /bytes/<n>}: streams n bytes (chunked), byte i being {@code 'a' + i % 26}</li>
 *   <li>anything else: echoes method, path, query, headers and body (body text up to 64 KiB; length and SHA-256
 *   always, so large bodies can be checked without holding them)</li>
 * </ul>
 */
final class EchoApp implements SampleApps.ExchangeHandler {
    private static final int MAX_ECHOED_BODY = 64 * 1024;
    private static final long MAX_DELAY_MS = 60_000;

    private final String version;

    EchoApp(String version) {
        this.version = version;
    }

    @Override
    public void handle(HttpExchange exchange) throws Exception {
        String path = exchange.getRequestURI().getPath();
        if (path.startsWith("/status/")) {
            int status = parseOr(path.substring("/status/".length()), -1);
            if (status < 200 || status > 599) {
                sendEcho(exchange, 400, "status must be 200..599");
                return;
            }
            sendEcho(exchange, status, null);
        } else if (path.startsWith("/delay/")) {
            long delay = parseOr(path.substring("/delay/".length()), -1);
            if (delay < 0 || delay > MAX_DELAY_MS) {
                sendEcho(exchange, 400, "delay must be 0.." + MAX_DELAY_MS + " ms");
                return;
            }
            Thread.sleep(delay);
            sendEcho(exchange, 200, null);
        } else if (path.startsWith("/bytes/")) {
            long count = parseOr(path.substring("/bytes/".length()), -1);
            if (count < 0) {
                sendEcho(exchange, 400, "byte count must be a non-negative number");
                return;
            }
            streamBytes(exchange, count);
        } else {
            sendEcho(exchange, 200, null);
        }
    }

    private void sendEcho(HttpExchange exchange, int status, String error) throws Exception {
        ObjectNode body = SampleApps.identity("echo", version);
        body.put("method", exchange.getRequestMethod());
        body.put("path", exchange.getRequestURI().getRawPath());
        body.put("query", exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery());
        ObjectNode headers = body.putObject("headers");
        Map<String, List<String>> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        sorted.putAll(exchange.getRequestHeaders());
        sorted.forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
        readBody(exchange.getRequestBody(), body);
        if (error != null) {
            body.put("error", error);
        }
        body.put("status", status);
        if (status == 204 || status == 304) {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
        }
        Json.send(exchange, status, body);
    }

    private static void readBody(InputStream in, ObjectNode into) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] kept = new byte[MAX_ECHOED_BODY];
        int keptLength = 0;
        long total = 0;
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = in.read(buffer)) > 0; ) {
            sha.update(buffer, 0, n);
            int copy = Math.min(n, kept.length - keptLength);
            System.arraycopy(buffer, 0, kept, keptLength, copy);
            keptLength += copy;
            total += n;
        }
        into.put("body", new String(kept, 0, keptLength, StandardCharsets.UTF_8));
        into.put("bodyLength", total);
        into.put("bodySha256", HexFormat.of().formatHex(sha.digest()));
    }

    private static void streamBytes(HttpExchange exchange, long count) throws Exception {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().set("content-type", "application/octet-stream");
        exchange.getResponseHeaders().set("x-echo-bytes", Long.toString(count));
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(200, 0); // 0: chunked, the body is produced as it goes
        byte[] chunk = new byte[8192];
        try (OutputStream out = exchange.getResponseBody()) {
            long written = 0;
            while (written < count) {
                int n = (int) Math.min(chunk.length, count - written);
                for (int i = 0; i < n; i++) {
                    chunk[i] = (byte) ('a' + (written + i) % 26);
                }
                out.write(chunk, 0, n);
                written += n;
            }
        }
    }

    private static int parseOr(String text, int fallback) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
