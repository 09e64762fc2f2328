package dev.weft.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/** Reviews: v1 shows no stars, v2 black stars, v3 red stars; v2 and v3 ask ratings for them, over gRPC. */
final class ReviewsApp implements SampleApps.ExchangeHandler {
    private final String version;
    private final RatingsClient ratings;

    ReviewsApp(String version, RatingsClient ratings) {
        this.version = version;
        this.ratings = ratings;
    }

    @Override
    public void handle(HttpExchange exchange) throws Exception {
        ObjectNode body = SampleApps.identity("reviews", version);
        String id = DetailsApp.lastSegment(exchange.getRequestURI().getPath());
        body.put("id", id);
        ArrayNode reviews = body.putArray("reviews");
        reviews.addObject().put("reviewer", "Reviewer1").put("text", "An extremely entertaining play by Shakespeare.");
        reviews.addObject().put("reviewer", "Reviewer2").put("text", "Absolutely fun and entertaining.");
        if (!version.equals("v1")) {
            JsonNode stars = ratings.get(id, exchange);
            body.set("ratings", stars);
            body.put("stars", version.equals("v2") ? "black" : "red");
        }
        Json.send(exchange, 200, body);
    }
}
