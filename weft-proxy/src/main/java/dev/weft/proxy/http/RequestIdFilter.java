package dev.weft.proxy.http;

import io.netty.util.AsciiString;
import java.util.UUID;
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

    /** Like UUID.randomUUID but from ThreadLocalRandom: no SecureRandom contention on event loops. */
    static String randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
