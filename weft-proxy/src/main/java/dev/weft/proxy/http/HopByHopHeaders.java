package dev.weft.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** Headers that describe one connection and must not be forwarded (RFC 9110 §7.6.1). */
final class HopByHopHeaders {
    private static final List<CharSequence> FIXED = List.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE);

    private HopByHopHeaders() {}

    /** Removes the fixed hop-by-hop headers and every header the Connection header names. */
    static void strip(HttpHeaders headers) {
        String connection = headers.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    headers.remove(name);
                }
            }
        }
        for (CharSequence name : FIXED) {
            headers.remove(name);
        }
    }
}
