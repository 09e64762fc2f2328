package dev.weft.dataplane.authz;

import java.net.InetAddress;
import java.util.function.Function;

/**
 * What authorization sees of one request. Built once per request by the transport.
 *
 * @param path the path normalized by {@link dev.weft.dataplane.routing.PathNormalizer#normalize(String)} (no query)
 * @param method the HTTP method
 * @param authority the Host / :authority header
 * @param headers lower-case header name → value (several values joined with ","), null when absent
 * @param destinationPort the port the request was addressed to
 * @param destinationIp the local address of the connection, or null
 * @param sni the TLS server name the peer asked for, or null
 * @param peerPrincipal the peer's SPIFFE ID from its verified certificate, null on plaintext
 * @param directRemoteIp the address of the peer connection
 * @param remoteIp the original client (X-Forwarded-For when trusted), else the peer address
 * @param requestAuth the verified JWT (RequestAuthentication) giving {@code request.auth.*}, or null
 */
public record AuthzRequest(String path, String method, String authority, Function<String, String> headers,
                           int destinationPort, InetAddress destinationIp, String sni, String peerPrincipal,
                           InetAddress directRemoteIp, InetAddress remoteIp,
                           dev.weft.dataplane.authn.VerifiedJwt requestAuth) {

    /** The peer's namespace parsed from {@code spiffe://TD/ns/NS/sa/SA}, or null. */
    public String sourceNamespace() {
        if (peerPrincipal == null) {
            return null;
        }
        int ns = peerPrincipal.indexOf("/ns/");
        if (ns < 0) {
            return null;
        }
        int end = peerPrincipal.indexOf('/', ns + 4);
        return end < 0 ? null : peerPrincipal.substring(ns + 4, end);
    }

    /** Header lookup with the HTTP/2 pseudo headers Envoy's RBAC matches on. */
    String header(String name) {
        return switch (name) {
            case ":method" -> method;
            case ":authority", "host" -> authority;
            case ":path" -> path;
            default -> headers.apply(name);
        };
    }
}
