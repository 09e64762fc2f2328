package dev.weft.proxy.telemetry;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * Reads and writes the trace context headers Weft understands: W3C Trace Context ({@code traceparent},
 * {@code tracestate}) and Zipkin's B3, as several headers ({@code x-b3-traceid}, {@code x-b3-spanid},
 * {@code x-b3-parentspanid}, {@code x-b3-sampled}, {@code x-b3-flags}) or as the single {@code b3} header.
 */
final class TraceHeaders {
    static final AsciiString TRACEPARENT = dev.weft.proxy.http.TrustedHeaderNames.of("traceparent");
    static final AsciiString TRACESTATE = dev.weft.proxy.http.TrustedHeaderNames.of("tracestate");
    static final AsciiString B3 = dev.weft.proxy.http.TrustedHeaderNames.of("b3");
    static final AsciiString B3_TRACE_ID = dev.weft.proxy.http.TrustedHeaderNames.of("x-b3-traceid");
    static final AsciiString B3_SPAN_ID = dev.weft.proxy.http.TrustedHeaderNames.of("x-b3-spanid");
    static final AsciiString B3_PARENT_SPAN_ID = dev.weft.proxy.http.TrustedHeaderNames.of("x-b3-parentspanid");
    static final AsciiString B3_SAMPLED = dev.weft.proxy.http.TrustedHeaderNames.of("x-b3-sampled");
    static final AsciiString B3_FLAGS = dev.weft.proxy.http.TrustedHeaderNames.of("x-b3-flags");

    private TraceHeaders() {}

    /**
     * The incoming context: which trace, the caller's span, and its sampling decision (null when the caller left it
     * to us).
     */
    record Incoming(String traceId, String parentSpanId, Boolean sampled, boolean w3c, boolean b3Multi,
                    boolean b3Single) {}

    /** The caller's context, W3C first, then B3 single, then B3 multi; null when none is present and valid. */
    static Incoming read(HttpHeaders headers) {
        String tp = headers.get(TRACEPARENT);
        if (tp != null) {
            // version-traceid-parentid-flags: 00-<32 hex>-<16 hex>-<2 hex>, maybe followed by -<more> (later versions);
            // read in place by offsets (this runs on every request that carries a trace)
            String t = tp.trim();
            if (t.length() >= 55 && t.charAt(2) == '-' && t.charAt(35) == '-' && t.charAt(52) == '-'
                    && (t.length() == 55 || t.charAt(55) == '-') && !t.startsWith("ff")
                    && isHex(t, 3, 35) && isHex(t, 36, 52) && isHex(t, 53, 55) && !zero(t, 3, 35) && !zero(t, 36, 52)) {
                boolean sampled = (Character.digit(t.charAt(54), 16) & 1) == 1;
                return new Incoming(t.substring(3, 35).toLowerCase(), t.substring(36, 52).toLowerCase(), sampled, true,
                        headers.contains(B3_TRACE_ID), headers.contains(B3));
            }
        }
        String single = headers.get(B3);
        if (single != null) {
            // traceid-spanid[-sampled[-parentspanid]], or just the sampling state
            String[] parts = single.trim().split("-");
            if (parts.length >= 2 && (isHex(parts[0], 16) || isHex(parts[0], 32)) && isHex(parts[1], 16)) {
                Boolean sampled = parts.length >= 3 ? b3Sampled(parts[2]) : null;
                return new Incoming(pad(parts[0]), parts[1], sampled, false, false, true);
            }
        }
        String traceId = headers.get(B3_TRACE_ID);
        String spanId = headers.get(B3_SPAN_ID);
        if (traceId != null && spanId != null && (isHex(traceId, 16) || isHex(traceId, 32)) && isHex(spanId, 16)) {
            Boolean sampled = "1".equals(headers.get(B3_FLAGS)) ? Boolean.TRUE : b3Sampled(headers.get(B3_SAMPLED));
            return new Incoming(pad(traceId.toLowerCase()), spanId.toLowerCase(), sampled, false, true, false);
        }
        return null;
    }

    /** Sets the context for the next hop, in W3C form always and in each B3 form the caller used. */
    static void write(HttpHeaders headers, String traceId, String spanId, String parentSpanId, boolean sampled,
                      boolean b3Multi, boolean b3Single) {
        headers.set(TRACEPARENT, "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00"));
        if (b3Multi) {
            headers.set(B3_TRACE_ID, traceId);
            headers.set(B3_SPAN_ID, spanId);
            if (parentSpanId != null) {
                headers.set(B3_PARENT_SPAN_ID, parentSpanId);
            } else {
                headers.remove(B3_PARENT_SPAN_ID);
            }
            headers.set(B3_SAMPLED, sampled ? "1" : "0");
            headers.remove(B3_FLAGS);
        }
        if (b3Single) {
            headers.set(B3, traceId + "-" + spanId + (sampled ? "-1" : "-0")
                    + (parentSpanId != null ? "-" + parentSpanId : ""));
        }
    }

    private static Boolean b3Sampled(String v) {
        if (v == null) {
            return null;
        }
        return switch (v) {
            case "1", "d", "true" -> Boolean.TRUE;
            case "0", "false" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** 64-bit B3 trace ids are left-padded to W3C's 128 bits. */
    private static String pad(String traceId) {
        return traceId.length() == 16 ? "0000000000000000" + traceId : traceId;
    }

    static boolean isHex(String s, int length) {
        return s != null && s.length() == length && isHex(s, 0, length);
    }

    /** Whether the characters of {@code s} from {@code from} (inclusive) to {@code to} (exclusive) are hex digits. */
    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean zero(String hex, int from, int to) {
        for (int i = from; i < to; i++) {
            if (hex.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
