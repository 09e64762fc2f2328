package dev.weft.dataplane.config;

import java.util.List;

/**
 * The HTTP connection manager of a listener.
 *
 * @param routeConfigName RDS route configuration name, or null when {@code inlineRoutes} is set
 * @param inlineRoutes route table carried in the listener itself, or null
 * @param httpFilters names of the HTTP filters in order (only the router for now)
 */
public record HttpConnectionManagerConfig(
        String statPrefix, String routeConfigName, RouteTable inlineRoutes, List<String> httpFilters,
        boolean generateRequestId) {
    public HttpConnectionManagerConfig {
        httpFilters = List.copyOf(httpFilters);
    }
}
