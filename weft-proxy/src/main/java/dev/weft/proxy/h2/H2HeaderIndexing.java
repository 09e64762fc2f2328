package dev.weft.proxy.h2;

import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.util.AsciiString;

/**
 * Which headers the HPACK encoder leaves out of its dynamic table: those whose value is new on every request (ids,
 * trace context, deadlines). Indexing them buys nothing — the value never repeats — yet costs an entry on both sides
 * of the hop per request and evicts the entries that do repeat (service names, peer metadata, content types). They
 * go as literals with an indexed name, never indexed (RFC 7541 §6.2.3).
 */
final class H2HeaderIndexing implements Http2HeadersEncoder.SensitivityDetector {
    static final H2HeaderIndexing INSTANCE = new H2HeaderIndexing();

    private static final AsciiString[] PER_REQUEST = {
        AsciiString.cached("x-request-id"),
        AsciiString.cached("traceparent"),
        AsciiString.cached("tracestate"),
        AsciiString.cached("b3"),
        AsciiString.cached("x-b3-traceid"),
        AsciiString.cached("x-b3-spanid"),
        AsciiString.cached("x-b3-parentspanid"),
        AsciiString.cached("x-weft-deadline-ms"),
        AsciiString.cached("grpc-timeout"),
        AsciiString.cached("x-envoy-expected-rq-timeout-ms"),
    };
    /** Bit {@code n} set: some name above is {@code n} long (a cheap first filter for the common headers). */
    private static final long LENGTHS;

    static {
        long lengths = 0;
        for (AsciiString name : PER_REQUEST) {
            lengths |= 1L << name.length();
        }
        LENGTHS = lengths;
    }

    private H2HeaderIndexing() {}

    @Override
    public boolean isSensitive(CharSequence name, CharSequence value) {
        int length = name.length();
        if (length >= 64 || (LENGTHS & (1L << length)) == 0) {
            return false;
        }
        for (AsciiString perRequest : PER_REQUEST) {
            if (perRequest.contentEquals(name)) { // HTTP/2 names are lower case
                return true;
            }
        }
        return false;
    }
}
