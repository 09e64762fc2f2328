package dev.weft.proxy.view;

import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.routing.Router;
import dev.weft.proxy.http.HttpFilter;
import java.util.List;

/**
 * What a listener runs on a request under one config snapshot.
 *
 * @param router null while the listener's RDS route configuration has not arrived
 */
public record ListenerRuntime(ListenerConfig config, Router router, List<HttpFilter> filters) {
    public ListenerRuntime {
        filters = List.copyOf(filters);
    }
}
