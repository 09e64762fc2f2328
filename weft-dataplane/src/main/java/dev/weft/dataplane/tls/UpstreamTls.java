package dev.weft.dataplane.tls;

import java.util.List;

/**
 * Mesh mTLS to a cluster's endpoints (from its {@code transport_socket} UpstreamTlsContext): present the workload
 * certificate (SDS secret {@code default}), trust the mesh roots (SDS {@code ROOTCA}), and accept the peer only
 * when its URI SAN matches one of {@code peerIdentities}.
 *
 * @param sni server name sent in the ClientHello ("" for none)
 * @param peerIdentities SAN matchers on the peer's SPIFFE ID; empty: any identity the mesh roots vouch for
 * @param origination set instead for TLS to a server outside the mesh (DestinationRule SIMPLE / MUTUAL)
 */
public record UpstreamTls(String sni, List<SanMatcher> peerIdentities, TlsOrigination origination) {
    public UpstreamTls {
        peerIdentities = List.copyOf(peerIdentities);
    }

    /** Mesh mTLS (no origination). */
    public UpstreamTls(String sni, List<SanMatcher> peerIdentities) {
        this(sni, peerIdentities, null);
    }

    /** TLS origination to a server outside the mesh: files, not the workload identity. */
    public static UpstreamTls originating(String sni, TlsOrigination origination) {
        return new UpstreamTls(sni, List.of(), origination);
    }

    /** Whether the peer's SPIFFE ID (null when it presented none) is acceptable. */
    public boolean accepts(String peerSpiffeId) {
        if (peerSpiffeId == null) {
            return false;
        }
        if (peerIdentities.isEmpty()) {
            return true;
        }
        for (SanMatcher m : peerIdentities) {
            if (m.matches(peerSpiffeId)) {
                return true;
            }
        }
        return false;
    }

    /** An exact or prefix match on a URI SAN (Envoy's StringMatcher subset used for SPIFFE IDs). */
    public record SanMatcher(String value, boolean prefix) {
        public boolean matches(String san) {
            return prefix ? san.startsWith(value) : san.equals(value);
        }
    }
}
