package dev.weft.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/** The front page: asks details and reviews about one book and shows both. */
final class ProductPageApp implements SampleApps.ExchangeHandler {
    private final String version;
    private final MeshCaller caller;

    ProductPageApp(String version, MeshCaller caller) {
        this.version = version;
        this.caller = caller;
    }

    @Override
    public void handle(HttpExchange exchange) throws Exception {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/") && !path.equals("/productpage")) {
            ObjectNode notFound = SampleApps.identity("productpage", version);
            notFound.put("error", "no page at " + path + "; try /productpage");
            Json.send(exchange, 404, notFound);
            return;
        }
        ObjectNode page = SampleApps.identity("productpage", version);
        String user = exchange.getRequestHeaders().getFirst("end-user");
        page.put("user", user == null ? "" : user);
        page.set("details", caller.get("details", "/details/0", exchange));
        page.set("reviews", caller.get("reviews", "/reviews/0", exchange));
        Json.send(exchange, 200, page);
    }
}
