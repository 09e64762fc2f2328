package dev.weft.proxy.grpc;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** Recognises gRPC requests and reads their {@code grpc-timeout}. */
public final class GrpcRequests {
    public static final String GRPC_TIMEOUT = "grpc-timeout";
    private static final String GRPC_CONTENT_TYPE = "application/grpc";

    private GrpcRequests() {}

    /** {@code content-type: application/grpc} or {@code application/grpc+proto} etc. */
    public static boolean isGrpc(HttpHeaders headers) {
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, GRPC_CONTENT_TYPE, 0, GRPC_CONTENT_TYPE.length())
                && (type.length() == GRPC_CONTENT_TYPE.length() || type.charAt(GRPC_CONTENT_TYPE.length()) == '+'
                || type.charAt(GRPC_CONTENT_TYPE.length()) == ';');
    }

    /**
     * The {@code grpc-timeout} header in milliseconds (at least 1 when set), or 0 when absent or malformed. Format:
     * up to 8 digits and a unit, {@code H M S m u n} (gRPC over HTTP/2 spec).
     */
    public static long timeoutMillis(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return 0;
        }
        long amount = 0;
        for (int i = 0; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            amount = amount * 10 + (c - '0');
        }
        long nanos = switch (value.charAt(value.length() - 1)) {
            case 'H' -> amount * 3_600_000_000_000L;
            case 'M' -> amount * 60_000_000_000L;
            case 'S' -> amount * 1_000_000_000L;
            case 'm' -> amount * 1_000_000L;
            case 'u' -> amount * 1_000L;
            case 'n' -> amount;
            default -> -1;
        };
        if (nanos < 0) {
            return 0;
        }
        return Math.max(1, nanos / 1_000_000);
    }
}
