package dev.weft.proxy.http;

import io.netty.util.AsciiString;

/**
 * Appends the downstream peer to {@code X-Forwarded-For} and sets {@code X-Forwarded-Proto} when absent (a proto set
 * by an earlier proxy of the mesh is kept: it saw the original connection).
 */
public final class ForwardedHeadersFilter implements HttpFilter {
    public static final AsciiString X_FORWARDED_FOR = TrustedHeaderNames.of("x-forwarded-for");
    public static final AsciiString X_FORWARDED_PROTO = TrustedHeaderNames.of("x-forwarded-proto");

    @Override
    public LocalReply onRequest(HttpExchange exchange) {
        var headers = exchange.requestHeaders();
        String client = exchange.sourceAddress();
        if (client != null) {
            String existing = headers.get(X_FORWARDED_FOR);
            headers.set(X_FORWARDED_FOR, existing == null || existing.isBlank() ? client : existing + ", " + client);
        }
        if (!headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, exchange.scheme());
        }
        return null;
    }
}
