package dev.weft.proxy.authz;

import dev.weft.dataplane.authz.AuthorizationEvaluator;
import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.dataplane.routing.PathNormalizer;
import dev.weft.dataplane.authz.RbacFilter;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.proxy.http.HttpExchange;
import dev.weft.proxy.http.HttpFilter;
import dev.weft.proxy.http.LocalReply;
import dev.weft.proxy.http.ResponseFlag;
import dev.weft.proxy.tls.ClientCertHeaderFilter;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The listener's {@code envoy.filters.http.rbac} filters (AuthorizationPolicy), run before routing on the
 * request as the app would see it: the path normalized by {@link PathNormalizer} (a path that cannot be normalized
 * safely is refused with 400, as Envoy does), the verified peer SPIFFE ID from the mTLS session (the one XFCC
 * carries), the peer address. Denied: 403 {@code RBAC: access denied}, response flag {@code RBAC}.
 */
public final class AuthorizationFilter implements HttpFilter {
    private static final AttributeKey<String> SNI = AttributeKey.valueOf("weft.authz.sni");

    private final List<RbacFilter> filters;
    /** The workload port the request is for (Istio's {@code destination.port}), not the sidecar's listener port. */
    private final int destinationPort;

    public AuthorizationFilter(ListenerConfig listener) {
        this.filters = listener.http().rbacFilters();
        this.destinationPort = workloadPort(listener);
    }

    @Override
    public LocalReply onRequest(HttpExchange exchange) {
        AuthzRequest request = authzRequest(exchange, destinationPort);
        if (request == null) {
            return LocalReply.failure(400, ResponseFlag.DPE, "invalid request path\n");
        }
        AuthorizationEvaluator.Decision decision = AuthorizationEvaluator.evaluate(filters, request);
        if (decision.allowed()) {
            return null;
        }
        return LocalReply.failure(403, ResponseFlag.RBAC, AuthorizationEvaluator.DENIED_BODY);
    }

    /** The request as RBAC rules see it; null when its path cannot be normalized safely. */
    static AuthzRequest authzRequest(HttpExchange exchange, int destinationPort) {
        String path = PathNormalizer.normalize(exchange.path());
        if (path == null) {
            return null;
        }
        Channel ch = exchange.downstreamChannel();
        Channel connection = ch instanceof Http2StreamChannel && ch.parent() != null ? ch.parent() : ch;
        InetAddress peer = connection.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        InetAddress local = connection.localAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        Function<String, String> headers = exchange::header;
        AuthzRequest request = new AuthzRequest(path, exchange.method(), exchange.authority(), headers,
                destinationPort, local, sni(connection), ClientCertHeaderFilter.peerIdentity(ch), peer, peer,
                exchange.authnOutcome() == null ? null : exchange.authnOutcome().principalToken());
        return request;
    }

    /** The connection's SNI, read from its TLS session once and kept on the channel ("" when there is none). */
    static String sni(Channel connection) {
        String cached = connection.attr(SNI).get();
        if (cached == null) {
            cached = readSni(connection);
            connection.attr(SNI).set(cached);
        }
        return cached.isEmpty() ? null : cached;
    }

    private static String readSni(Channel connection) {
        SslHandler ssl = connection.pipeline().get(SslHandler.class);
        if (ssl == null || !(ssl.engine().getSession() instanceof javax.net.ssl.ExtendedSSLSession s)) {
            return "";
        }
        for (var name : s.getRequestedServerNames()) {
            if (name instanceof javax.net.ssl.SNIHostName h) {
                return h.getAsciiName().toLowerCase(Locale.ROOT);
            }
        }
        return "";
    }

    /**
     * An inbound listener forwards to the single cluster {@code inbound|PORT||} (the xDS convention of the control
     * plane): that port is the workload's. Other listeners: their own port.
     */
    static int workloadPort(ListenerConfig listener) {
        RouteTable table = listener.http().inlineRoutes();
        if (table != null) {
            for (var vh : table.virtualHosts()) {
                for (var route : vh.routes()) {
                    if (route.action() instanceof RouteAction.Forward f) {
                        for (var c : f.clusters()) {
                            if (c.name().startsWith("inbound|")) {
                                int end = c.name().indexOf('|', 8);
                                try {
                                    return Integer.parseInt(c.name().substring(8, end < 0 ? c.name().length() : end));
                                } catch (NumberFormatException e) {
                                    return listener.port();
                                }
                            }
                        }
                    }
                }
            }
        }
        return listener.port();
    }
}
