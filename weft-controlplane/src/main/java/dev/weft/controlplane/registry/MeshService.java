package dev.weft.controlplane.registry;

import java.util.List;

/**
 * A service the mesh routes to: registered by proxies or declared by a ServiceEntry.
 *
 * @param host fully qualified host name
 * @param namespace namespace the service lives in (short names resolve in it)
 * @param ports ports sorted by number
 * @param resolution how its endpoints are found
 * @param origin where it came from, for /debug/registryz ("proxies", "ServiceEntry ns/name")
 */
public record MeshService(String host, String namespace, List<Port> ports, Resolution resolution, String origin) {

    public MeshService {
        ports = List.copyOf(ports);
    }

    /** How a cluster for the service learns its endpoints. */
    public enum Resolution {
        /** endpoints known to the control plane, sent by EDS */
        STATIC,
        /** endpoint addresses are DNS names the data plane resolves (STRICT_DNS cluster) */
        DNS
    }

    /**
     * @param protocol upper-case Istio protocol (HTTP, HTTP2, GRPC, TCP, ...), or {@link #AUTO} when neither the
     *     protocol nor the name declares one
     */
    public record Port(int number, String name, String protocol) {
        /** No declared protocol: sidecars detect HTTP or opaque TCP per connection, as Istio does. */
        public static final String AUTO = "AUTO";

        public boolean detected() {
            return AUTO.equals(protocol);
        }
    }

    public Port port(int number) {
        for (Port p : ports) {
            if (p.number() == number) {
                return p;
            }
        }
        return null;
    }

    /**
     * The port a request without an explicit port means: 80 if the service has it, else its first port;
     * null for a service without ports.
     */
    public Port defaultPort() {
        Port p80 = port(80);
        if (p80 != null) {
            return p80;
        }
        return ports.isEmpty() ? null : ports.getFirst();
    }

    /** Whether this is a Kubernetes-style name ({@code name.namespace.svc.<domain>}) with short-name forms. */
    public boolean hasKubernetesName() {
        String[] parts = host.split("\\.");
        return parts.length >= 4 && parts[1].equals(namespace) && parts[2].equals("svc");
    }

    /** The first label of the host ("reviews" for reviews.default.svc.cluster.local). */
    public String shortName() {
        int dot = host.indexOf('.');
        return dot < 0 ? host : host.substring(0, dot);
    }

    public boolean isWildcard() {
        return host.startsWith("*");
    }
}
