package dev.weft.dataplane.config;

import java.time.Duration;

/**
 * How a listener that serves both HTTP and opaque TCP tells them apart (Envoy's {@code http_inspector} listener filter
 * with {@code listener_filters_timeout} and {@code continue_on_listener_filters_timeout}): the first bytes of a
 * connection are an HTTP/1.x request line or the HTTP/2 preface → HTTP, anything else → TCP.
 *
 * @param timeout how long to wait for the client's first bytes; {@link Duration#ZERO}: no limit (Envoy's meaning)
 * @param continueOnTimeout on timeout the connection goes to the TCP chain (a server-first protocol); false: closed
 * @param httpProtocols the detected protocols ({@code http/1.0}, {@code http/1.1}, {@code h2c}) that go to HTTP
 */
public record ProtocolDetection(Duration timeout, boolean continueOnTimeout, java.util.Set<String> httpProtocols) {
    public ProtocolDetection {
        httpProtocols = java.util.Set.copyOf(httpProtocols);
    }
}
