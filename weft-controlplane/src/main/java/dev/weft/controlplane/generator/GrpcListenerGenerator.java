package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * LDS for proxyless gRPC clients: one <em>API listener</em> per target the client asks for ({@link GrpcTargets}),
 * named exactly as asked. Its {@code api_listener} is an HttpConnectionManager with the service port's routes inline
 * (the same VirtualService translation sidecars get, reduced by {@link GrpcRoutes}) and the fault filter before the
 * router. The listener already stands for one service port, so its one virtual host matches every authority.
 */
public final class GrpcListenerGenerator implements ResourceGenerator {

    @Override
    public XdsType type() {
        return XdsType.LISTENER;
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy) {
        return generate(context, proxy, Set.of());
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy, Set<String> requested) {
        SortedMap<String, Message> out = new TreeMap<>();
        HttpRouteTranslator translator = new HttpRouteTranslator(context, proxy);
        for (GrpcTargets.Target target : GrpcTargets.resolve(context, proxy, requested).values()) {
            out.put(target.listenerName(), apiListener(target, translator));
        }
        return out;
    }

    private static Listener apiListener(GrpcTargets.Target target, HttpRouteTranslator translator) {
        String host = target.service().host();
        RouteConfiguration routes = RouteConfiguration.newBuilder()
                .setName(target.listenerName())
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName(host + ":" + target.port())
                        .addDomains("*")
                        .addAllRoutes(GrpcRoutes.adapt(translator.routes(host, target.port()))))
                .build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(target.listenerName())
                .setRouteConfig(routes)
                .addHttpFilters(HttpFilter.newBuilder().setName(FaultInjectionTranslator.FILTER)
                        .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName(ListenerGenerator.ROUTER_FILTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder()
                .setName(target.listenerName())
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
                .build();
    }
}
