package dev.weft.dataplane.config;

import java.util.List;

/** A RouteConfiguration: virtual hosts selected by the request's authority. */
public record RouteTable(String name, List<VirtualHost> virtualHosts) {
    public RouteTable {
        virtualHosts = List.copyOf(virtualHosts);
    }
}
