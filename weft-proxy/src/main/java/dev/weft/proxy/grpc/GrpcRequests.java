package dev.weft.proxy.grpc;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** Recognises gRPC requests and reads their {@code grpc-timeout}. */
public final class GrpcRequests {
    public static final String GRPC_TIMEOUT = "grpc-timeout";
    public static final String GRPC_STATUS = "grpc-status";
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

    /**
     * The {@code grpc-status} in a response head (a trailers-only reply), or -1 when there is none or it is not a
     * number.
     */
    public static int status(HttpHeaders headers) {
        String value = headers.get(GRPC_STATUS);
        if (value == null || value.isEmpty() || value.length() > 2) {
            return -1;
        }
        int code = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }

    /**
     * The HTTP status outlier detection counts for a gRPC status (the gRPC project's mapping, as Envoy's router
     * reports it): OK is 200, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, INTERNAL and UNKNOWN 500...
     */
    public static int httpStatusForOutlierDetection(int grpcStatus) {
        return switch (grpcStatus) {
            case 0 -> 200;
            case 1 -> 499;  // CANCELLED
            case 3, 9, 11 -> 400; // INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE
            case 4 -> 504;  // DEADLINE_EXCEEDED
            case 5 -> 404;  // NOT_FOUND
            case 6, 10 -> 409; // ALREADY_EXISTS, ABORTED
            case 7 -> 403;  // PERMISSION_DENIED
            case 8 -> 429;  // RESOURCE_EXHAUSTED
            case 12 -> 501; // UNIMPLEMENTED
            case 14 -> 503; // UNAVAILABLE
            case 16 -> 401; // UNAUTHENTICATED
            default -> 500; // UNKNOWN, INTERNAL, DATA_LOSS
        };
    }

    /** A {@code grpc-timeout} value for {@code millis} (at most 8 digits: milliseconds, or seconds when longer). */
    public static String timeoutHeader(long millis) {
        if (millis < 100_000_000L) {
            return Math.max(1, millis) + "m";
        }
        return Math.min(99_999_999L, millis / 1000) + "S";
    }
}
