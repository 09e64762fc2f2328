package dev.weft.proxy.http;

import io.netty.handler.codec.http.HttpResponse;

/**
 * One step of a listener's request processing before the router (later: authorization, rate limits, fault
 * injection). Filters run on the connection's event loop and must not block.
 */
public interface HttpFilter {
    /**
     * Returned by {@link #onRequest} of a filter that awaits something outside the event loop (an external
     * authorization check): the exchange pauses (holding any body read) until the filter calls
     * {@link HttpExchange#resumeFilters} or {@link HttpExchange#respondAfterSuspend} on the exchange's event loop.
     */
    LocalReply SUSPEND = new LocalReply(0, null, null, null);

    /** Inspects or changes the request; returns null to continue, or a reply that ends the request here. */
    LocalReply onRequest(HttpExchange exchange);

    /** Sees the response head before it goes downstream (upstream and local responses alike). */
    default void onResponse(HttpExchange exchange, HttpResponse response) {}

    /**
     * Called once when the exchange is over, whether it completed, was answered locally or the downstream went
     * away (telemetry records here). Must not throw or block.
     */
    default void onComplete(HttpExchange exchange) {}
}
