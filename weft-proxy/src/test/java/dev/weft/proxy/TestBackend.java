package dev.weft.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A real HTTP/1.1 backend on an ephemeral port. Paths:
 * {@code /slow?ms=N} answers after N ms; {@code /download?bytes=N} streams N bytes chunked;
 * {@code /upload} reads the body as a stream and answers with its length and a checksum;
 * anything else echoes the request (method, path, headers) as text.
 * Every response carries {@code x-backend: NAME}; the server remembers the client ports it saw (one per connection).
 */
final class TestBackend implements AutoCloseable {
    final String name;
    final HttpServer server;
    final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    TestBackend(String name) throws IOException {
        this.name = name;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        clientPorts.add(ex.getRemoteAddress().getPort());
        URI uri = ex.getRequestURI();
        Map<String, String> query = query(uri.getRawQuery());
        ex.getResponseHeaders().set("x-backend", name);
        try (ex) {
            String path = uri.getPath();
            if (path.startsWith("/slow")) {
                drain(ex.getRequestBody());
                sleep(Long.parseLong(query.getOrDefault("ms", "1000")));
                send(ex, 200, "slow done\n");
            } else if (path.startsWith("/download")) {
                drain(ex.getRequestBody());
                long total = Long.parseLong(query.getOrDefault("bytes", "1000"));
                ex.sendResponseHeaders(200, 0); // chunked
                byte[] block = new byte[64 * 1024];
                for (int i = 0; i < block.length; i++) {
                    block[i] = (byte) ('a' + i % 26);
                }
                try (OutputStream out = ex.getResponseBody()) {
                    long left = total;
                    while (left > 0) {
                        int n = (int) Math.min(block.length, left);
                        out.write(block, 0, n);
                        left -= n;
                    }
                }
            } else if (path.startsWith("/upload")) {
                long pauseEveryMb = Long.parseLong(query.getOrDefault("pauseMsPerMb", "0"));
                long count = 0;
                long sum = 0;
                byte[] buf = new byte[16 * 1024];
                InputStream in = ex.getRequestBody();
                long nextPause = 1 << 20;
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        sum = sum * 31 + buf[i];
                    }
                    count += n;
                    if (pauseEveryMb > 0 && count >= nextPause) {
                        sleep(pauseEveryMb);
                        nextPause += 1 << 20;
                    }
                }
                send(ex, 200, "bytes=" + count + " sum=" + sum + "\n");
            } else {
                drain(ex.getRequestBody());
                StringBuilder sb = new StringBuilder();
                sb.append("backend=").append(name).append('\n');
                sb.append("method=").append(ex.getRequestMethod()).append('\n');
                sb.append("path=").append(uri.getRawPath()).append(uri.getRawQuery() == null ? ""
                        : "?" + uri.getRawQuery()).append('\n');
                new TreeMap<>(ex.getRequestHeaders()).forEach((k, v) ->
                        sb.append("header.").append(k.toLowerCase(java.util.Locale.ROOT)).append('=')
                                .append(String.join(",", v)).append('\n'));
                send(ex, 200, sb.toString());
            }
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new TreeMap<>();
        if (raw != null) {
            for (String part : raw.split("&")) {
                int eq = part.indexOf('=');
                q.put(eq < 0 ? part : part.substring(0, eq), eq < 0 ? "" : part.substring(eq + 1));
            }
        }
        return q;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
