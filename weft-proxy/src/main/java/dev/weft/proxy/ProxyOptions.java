package dev.weft.proxy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to run a sidecar (the flags of {@code weft proxy}).
 *
 * @param controlPlane HOST:PORT of the control plane's xDS port
 * @param servicePort the port the service is known by in the mesh (defaults to {@code appPort})
 * @param address where peers reach this proxy's inbound port
 * @param upstreams {@code SERVICE[:PORT]=LOCALPORT} bindings
 * @param dataDir where the last applied config is cached (null: a per-proxy folder under ~/.weft/proxy)
 * @param xdsDelta whether the xDS stream is incremental (delta) instead of state of the world
 */
public record ProxyOptions(String controlPlane, String service, String namespace, Map<String, String> labels,
                           String serviceAccount, int appPort, int servicePort, String appProtocol, int inboundPort,
                           int outboundPort, int adminPort, String address, List<String> upstreams, Path dataDir,
                           boolean xdsDelta) {
    public ProxyOptions {
        labels = Map.copyOf(labels);
        upstreams = List.copyOf(upstreams);
    }

    /** State-of-the-world xDS. */
    public ProxyOptions(String controlPlane, String service, String namespace, Map<String, String> labels,
                        String serviceAccount, int appPort, int servicePort, String appProtocol, int inboundPort,
                        int outboundPort, int adminPort, String address, List<String> upstreams, Path dataDir) {
        this(controlPlane, service, namespace, labels, serviceAccount, appPort, servicePort, appProtocol, inboundPort,
                outboundPort, adminPort, address, upstreams, dataDir, false);
    }
}
