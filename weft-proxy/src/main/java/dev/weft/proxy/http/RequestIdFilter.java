package dev.weft.proxy.http;

import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/** Keeps the request's {@code x-request-id}, or sets a random (version 4) UUID when it has none. */
public final class RequestIdFilter implements HttpFilter {
    public static final AsciiString X_REQUEST_ID = TrustedHeaderNames.of("x-request-id");

    @Override
    public LocalReply onRequest(HttpExchange exchange) {
        var headers = exchange.requestHeaders();
        if (!headers.contains(X_REQUEST_ID)) {
            headers.set(X_REQUEST_ID, randomUuid());
        }
        return null;
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * A random version 4 UUID in its canonical text form, like {@code UUID.randomUUID().toString()} but from
     * ThreadLocalRandom (no SecureRandom contention on event loops) and written straight into the bytes of an
     * AsciiString: no UUID, no String, and the HTTP/1.1 encoder copies the bytes instead of converting characters.
     */
    static AsciiString randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        byte[] out = new byte[36];
        hex(msb >>> 32, out, 0, 8);
        out[8] = '-';
        hex(msb >>> 16, out, 9, 4);
        out[13] = '-';
        hex(msb, out, 14, 4);
        out[18] = '-';
        hex(lsb >>> 48, out, 19, 4);
        out[23] = '-';
        hex(lsb, out, 24, 12);
        return new AsciiString(out, false);
    }

    /** The low {@code digits} hex digits of {@code value} into {@code out[offset..offset + digits)}. */
    private static void hex(long value, byte[] out, int offset, int digits) {
        for (int i = offset + digits - 1; i >= offset; i--) {
            out[i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }
}
