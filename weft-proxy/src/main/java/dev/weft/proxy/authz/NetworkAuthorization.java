package dev.weft.proxy.authz;

import dev.weft.dataplane.authz.AuthorizationEvaluator;
import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.dataplane.config.TcpProxyConfig;
import dev.weft.proxy.tls.ClientCertHeaderFilter;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A tcp_proxy listener's {@code envoy.filters.network.rbac} filters (AuthorizationPolicy on a TCP app), judged once
 * per connection on what a connection has — the verified peer SPIFFE ID, the peer and local addresses, the workload
 * port, the SNI — with the same evaluator and matchers as HTTP authorization. There is no request: path, method,
 * authority and headers are absent (the control plane never sends matchers on them, and the parser refuses them).
 */
public final class NetworkAuthorization {
    private NetworkAuthorization() {}

    /** The decision for a connection whose mTLS handshake (if any) is complete. */
    public static AuthorizationEvaluator.Decision evaluate(TcpProxyConfig config, Channel connection) {
        InetAddress peer = connection.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        InetAddress local = connection.localAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        AuthzRequest request = new AuthzRequest(null, null, null, name -> null, workloadPort(config, connection),
                local, AuthorizationFilter.sni(connection), ClientCertHeaderFilter.peerIdentity(connection), peer, peer,
                null);
        return AuthorizationEvaluator.evaluate(config.rbacFilters(), request);
    }

    /**
     * Istio's {@code destination.port}: the workload port of the inbound cluster {@code inbound|PORT||} the
     * connection is relayed to (as for HTTP); otherwise the port the connection arrived on.
     */
    static int workloadPort(TcpProxyConfig config, Channel connection) {
        for (TcpProxyConfig.WeightedCluster c : config.clusters()) {
            if (c.name().startsWith("inbound|")) {
                int end = c.name().indexOf('|', 8);
                try {
                    return Integer.parseInt(c.name().substring(8, end < 0 ? c.name().length() : end));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        return connection.localAddress() instanceof InetSocketAddress a ? a.getPort() : 0;
    }
}
