package dev.weft.proxy.authz;

import dev.weft.dataplane.authz.ExtAuthzConfig;
import dev.weft.proxy.http.HttpExchange;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's HTTP ext_authz protocol: the check request mirrors the original (method, {@code path_prefix} + path, Host,
 * Authorization, the allowed headers, the configured extra headers; no body) and a 200 answer allows, any other
 * status denies with that status, body and headers.
 */
final class HttpCheck {
    /** Never copied from an answer: they describe the authorizer's own connection and message. */
    private static final Set<String> NOT_PASSED = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "host", "upgrade", "proxy-connection", "te", "trailer");

    private HttpCheck() {}

    static FullHttpRequest request(ExtAuthzConfig.HttpService http, HttpExchange exchange) {
        FullHttpRequest check = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(exchange.method()),
                http.pathPrefix() + exchange.path(), Unpooled.EMPTY_BUFFER);
        HttpHeaders out = check.headers();
        out.set(HttpHeaderNames.HOST, exchange.authority());
        String authorization = exchange.header("authorization");
        if (authorization != null) {
            out.set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        if (!http.allowedHeaders().isEmpty()) {
            for (Map.Entry<String, String> h : exchange.requestHeaders()) {
                String name = h.getKey();
                if (!NOT_PASSED.contains(name.toLowerCase(java.util.Locale.ROOT))
                        && !name.equalsIgnoreCase("authorization")
                        && ExtAuthzConfig.anyMatches(http.allowedHeaders(), name)) {
                    out.add(name, h.getValue());
                }
            }
        }
        http.headersToAdd().forEach(out::set);
        out.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return check;
    }

    static CheckOutcome outcome(ExtAuthzConfig.HttpService http, ExtAuthzHttpClient.Answer answer) {
        if (answer.error() != null) {
            return CheckOutcome.error(answer.error());
        }
        FullHttpResponse response = answer.response();
        try {
            HttpHeaders headers = response.headers();
            int status = response.status().code();
            if (status == 200) {
                return new CheckOutcome(CheckOutcome.Kind.ALLOWED, status, null,
                        matching(headers, http.allowedUpstreamHeaders(), false), List.of(),
                        matching(headers, http.allowedClientHeadersOnSuccess(), false), null);
            }
            // Envoy: with no allowed_client_headers, every header of the denial reaches the client
            HttpHeaders toClient = matching(headers, http.allowedClientHeaders(), http.allowedClientHeaders().isEmpty());
            return new CheckOutcome(CheckOutcome.Kind.DENIED, status,
                    response.content().toString(StandardCharsets.UTF_8), null, List.of(), toClient, null);
        } finally {
            response.release();
        }
    }

    private static HttpHeaders matching(HttpHeaders from, List<dev.weft.dataplane.config.StringMatcher> allowed,
                                        boolean all) {
        if (!all && allowed.isEmpty()) {
            return null;
        }
        HttpHeaders out = new DefaultHttpHeaders();
        for (Map.Entry<String, String> h : from) {
            String name = h.getKey();
            if (!NOT_PASSED.contains(name.toLowerCase(java.util.Locale.ROOT))
                    && (all || ExtAuthzConfig.anyMatches(allowed, name))) {
                out.add(name, h.getValue());
            }
        }
        return out;
    }
}
