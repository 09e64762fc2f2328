package dev.weft.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/** Book details. */
final class DetailsApp implements SampleApps.ExchangeHandler {
    private final String version;

    DetailsApp(String version) {
        this.version = version;
    }

    @Override
    public void handle(HttpExchange exchange) throws Exception {
        ObjectNode details = SampleApps.identity("details", version);
        details.put("id", lastSegment(exchange.getRequestURI().getPath()));
        details.put("author", "William Shakespeare");
        details.put("year", 1595);
        details.put("type", "paperback");
        details.put("pages", 200);
        details.put("publisher", "PublisherA");
        Json.send(exchange, 200, details);
    }

    static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
