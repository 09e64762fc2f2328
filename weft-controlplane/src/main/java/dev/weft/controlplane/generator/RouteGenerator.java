package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import dev.weft.config.Hosts;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.proxy.UpstreamBinding;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * RDS: {@code outbound} with one virtual host per service port (domains from {@link ServiceDomains}, never the
 * same domain twice), and {@code upstream_<localPort>} with the routes of the one service bound to that port.
 */
public final class RouteGenerator implements ResourceGenerator {

    @Override
    public XdsType type() {
        return XdsType.ROUTE;
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy) {
        SortedMap<String, Message> out = new TreeMap<>();
        HttpRouteTranslator translator = new HttpRouteTranslator(context, proxy);
        out.put(ListenerGenerator.OUTBOUND, outbound(context, proxy, translator));
        for (UpstreamBinding up : proxy.upstreams()) {
            out.put(up.listenerName(), upstream(context, proxy, up, translator));
        }
        return out;
    }

    private static RouteConfiguration outbound(PushContext context, ProxyNode proxy, HttpRouteTranslator translator) {
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(ListenerGenerator.OUTBOUND);
        Set<String> used = new HashSet<>();
        // Services in the proxy's namespace first, so that their short names win any clash.
        List<MeshService> ordered = java.util.stream.Stream.concat(context.services().values().stream(),
                        context.routeOnlyHosts().values().stream())
                .filter(s -> !s.isWildcard())
                .sorted((a, b) -> Boolean.compare(!a.namespace().equals(proxy.namespace()),
                        !b.namespace().equals(proxy.namespace())))
                .toList();
        for (MeshService service : ordered) {
            for (MeshService.Port port : service.ports()) {
                VirtualHost.Builder vh = VirtualHost.newBuilder().setName(service.host() + ":" + port.number());
                for (String domain : ServiceDomains.of(service, port.number(), proxy)) {
                    if (used.add(domain)) {
                        vh.addDomains(domain);
                    }
                }
                if (vh.getDomainsCount() == 0) {
                    continue;
                }
                vh.addAllRoutes(translator.routes(service.host(), port.number()));
                rc.addVirtualHosts(vh);
            }
        }
        return rc.build();
    }

    private static RouteConfiguration upstream(PushContext context, ProxyNode proxy, UpstreamBinding up,
                                               HttpRouteTranslator translator) {
        String host = Hosts.resolve(up.service(), proxy.namespace());
        int port = up.port();
        if (port == 0) {
            MeshService service = context.service(host);
            if (service != null && service.defaultPort() != null) {
                port = service.defaultPort().number();
            }
        }
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName(up.listenerName()).addDomains("*");
        if (port > 0) {
            vh.addAllRoutes(translator.routes(host, port));
        } // else: the service is not known yet and no port was given; no route (404) until it registers
        return RouteConfiguration.newBuilder().setName(up.listenerName()).addVirtualHosts(vh).build();
    }
}
