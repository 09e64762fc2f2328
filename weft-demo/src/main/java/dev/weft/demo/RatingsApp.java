package dev.weft.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/** Star ratings for a book. */
final class RatingsApp implements SampleApps.ExchangeHandler {
    private final String version;

    RatingsApp(String version) {
        this.version = version;
    }

    @Override
    public void handle(HttpExchange exchange) throws Exception {
        ObjectNode body = SampleApps.identity("ratings", version);
        body.put("id", DetailsApp.lastSegment(exchange.getRequestURI().getPath()));
        body.putObject("ratings").put("Reviewer1", 5).put("Reviewer2", 4);
        Json.send(exchange, 200, body);
    }
}
