package dev.weft.controlplane.generator;

import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.registry.MeshService;

import java.util.ArrayList;
import java.util.List;

/**
 * The Host/authority values a proxy's app may use for one service port, as Istio builds them: the FQDN,
 * {@code name.ns.svc}, {@code name.ns} and — for services in the proxy's own namespace — the short name, each
 * with {@code :port}; the forms without a port only for the service's default port (80, else its first).
 */
final class ServiceDomains {
    private ServiceDomains() {}

    static List<String> of(MeshService service, int port, ProxyNode proxy) {
        List<String> names = new ArrayList<>();
        names.add(service.host());
        if (service.hasKubernetesName()) {
            String shortName = service.shortName();
            if (service.namespace().equals(proxy.namespace())) {
                names.add(shortName);
            }
            names.add(shortName + "." + service.namespace());
            names.add(shortName + "." + service.namespace() + ".svc");
        }
        MeshService.Port defaultPort = service.defaultPort();
        boolean bare = defaultPort != null && defaultPort.number() == port;
        List<String> domains = new ArrayList<>();
        for (String name : names) {
            if (bare) {
                domains.add(name);
            }
            domains.add(name + ":" + port);
        }
        return domains;
    }
}
