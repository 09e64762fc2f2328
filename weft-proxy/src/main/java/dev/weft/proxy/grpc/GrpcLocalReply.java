package dev.weft.proxy.grpc;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * The proxy's own reply to a gRPC request (no route, no healthy upstream, connect failure, timeout...) as a gRPC
 * client understands it: HTTP 200, {@code content-type: application/grpc}, and {@code grpc-status} /
 * {@code grpc-message} in a trailers-only response (one HEADERS frame ending the stream on HTTP/2).
 */
public final class GrpcLocalReply {
    private GrpcLocalReply() {}

    /**
     * The gRPC status for an HTTP status the proxy would have sent: the gRPC project's HTTP-to-gRPC mapping, except
     * that a route timeout (504) is the deadline expiring, which gRPC calls DEADLINE_EXCEEDED.
     */
    public static int grpcStatus(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7;  // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503 -> 14; // UNAVAILABLE
            case 504 -> 4;  // DEADLINE_EXCEEDED
            default -> httpStatus >= 200 && httpStatus < 300 ? 0 : 2; // OK / UNKNOWN
        };
    }

    /**
     * Rewrites a local reply for a gRPC client: keeps its headers (response flags, route headers), drops the body,
     * and carries the status and the body's text as {@code grpc-message}. Releases {@code reply}'s body.
     */
    public static FullHttpResponse trailersOnly(FullHttpResponse reply, String message) {
        FullHttpResponse out = new DefaultFullHttpResponse(reply.protocolVersion(), HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER);
        HttpHeaders headers = out.headers();
        headers.set(reply.headers());
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        headers.remove(HttpHeaderNames.LOCATION);
        headers.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
        headers.setInt("grpc-status", grpcStatus(reply.status().code()));
        String text = message == null ? "" : message.strip();
        if (!text.isEmpty()) {
            headers.set("grpc-message", percentEncode(text));
        }
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        reply.release();
        return out;
    }

    /** grpc-message encoding: printable ASCII except '%' as is, everything else as %XX of its UTF-8 bytes. */
    static String percentEncode(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
