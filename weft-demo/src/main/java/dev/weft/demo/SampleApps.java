package dev.weft.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.util.List;

/** Builds the handler for each sample service by name. */
final class SampleApps {
    static final List<String> NAMES = List.of("productpage", "details", "reviews", "ratings", "echo");

    private SampleApps() {
    }

    /** The HTTP handler of every sample but ratings, which speaks gRPC ({@link RatingsGrpc}). */
    static ExchangeHandler create(DemoServiceOptions options, MeshCaller caller, RatingsClient ratings) {
        String service = options.service();
        String version = options.version();
        return switch (service) {
            case "productpage" -> new ProductPageApp(version, caller);
            case "details" -> new DetailsApp(version);
            case "reviews" -> new ReviewsApp(version, ratings);
            case "echo" -> new EchoApp(version);
            default -> throw new IllegalArgumentException("unknown service " + service);
        };
    }

    /** A sample's request handler; it writes the whole response itself. */
    interface ExchangeHandler {
        void handle(HttpExchange exchange) throws Exception;
    }

    static ObjectNode identity(String service, String version) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("service", service);
        node.put("version", version);
        return node;
    }
}
