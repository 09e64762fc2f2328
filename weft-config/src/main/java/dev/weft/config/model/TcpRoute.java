package dev.weft.config.model;

import java.util.List;

/**
 * Istio {@code TCPRoute}: connections matching any of {@code match} (all when empty) go to {@code route}'s
 * destinations, split by weight per connection.
 */
public record TcpRoute(List<L4MatchAttributes> match, List<RouteDestination> route) {
    public TcpRoute {
        match = Immutables.list(match);
        route = Immutables.list(route);
    }

    /** Istio {@code L4MatchAttributes}; Weft matches on the destination {@code port} only. */
    public record L4MatchAttributes(Integer port) {}

    /** Istio {@code RouteDestination} (no header operations, unlike HTTP); weight null means unset. */
    public record RouteDestination(Destination destination, Integer weight) {}
}
