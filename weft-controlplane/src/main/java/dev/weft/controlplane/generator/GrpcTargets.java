package dev.weft.controlplane.generator;

import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which service port a gRPC client means by an LDS name: the host part of its {@code xds:///host[:port]} target.
 * A name is understood exactly when a sidecar's app could use it as a Host header for that service port
 * ({@link ServiceDomains}): the FQDN, {@code name.ns.svc}, {@code name.ns} and, in the client's own namespace, the
 * short name, each with {@code :port}; without a port only for the service's default port (80, else its first).
 * Ports that cannot carry gRPC (TCP, TLS, HTTPS, databases) are not targets. A VirtualService host that names no
 * service ({@code bookinfo.example.com}) is a target on port 80, as it is a virtual host for sidecars.
 */
final class GrpcTargets {
    /** One gRPC target: the LDS name asked for, and the service port it names. */
    record Target(String listenerName, MeshService service, int port) {}

    private GrpcTargets() {}

    /**
     * The targets among {@code requested}; names that match no service port are absent (the client then hears that
     * the listener does not exist). With nothing requested: every service port under its canonical {@code FQDN:port}.
     */
    static Map<String, Target> resolve(PushContext context, ProxyNode proxy, Set<String> requested) {
        Map<String, Target> out = new LinkedHashMap<>();
        if (requested.isEmpty()) {
            for (MeshService service : services(context)) {
                for (MeshService.Port port : service.ports()) {
                    if (carriesGrpc(service, port)) {
                        String name = service.host() + ":" + port.number();
                        out.put(name, new Target(name, service, port.number()));
                    }
                }
            }
            return out;
        }
        Map<String, Target> byDomain = new HashMap<>();
        for (MeshService service : services(context)) {
            for (MeshService.Port port : service.ports()) {
                if (!carriesGrpc(service, port)) {
                    continue;
                }
                for (String domain : ServiceDomains.of(service, port.number(), proxy)) {
                    byDomain.putIfAbsent(domain, new Target(domain, service, port.number()));
                }
            }
        }
        for (String name : requested) {
            Target t = byDomain.get(name.toLowerCase(Locale.ROOT));
            if (t != null) {
                out.put(name, new Target(name, t.service(), t.port()));
            }
        }
        return out;
    }

    /** Services, then VirtualService hosts that name no service (port 80), as sidecars get virtual hosts for both. */
    private static Iterable<MeshService> services(PushContext context) {
        return java.util.stream.Stream.concat(context.services().values().stream(),
                context.routeOnlyHosts().values().stream())::iterator;
    }

    private static boolean carriesGrpc(MeshService service, MeshService.Port port) {
        return !service.isWildcard() && (port.detected() || UpstreamProtocols.isHttp(port.protocol()));
    }
}
