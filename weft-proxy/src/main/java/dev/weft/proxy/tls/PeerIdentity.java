package dev.weft.proxy.tls;

import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** The SPIFFE ID a TLS peer proved, read from its certificate's URI SAN. */
public final class PeerIdentity {
    /** Set on a downstream channel once its mTLS handshake succeeded: the client's SPIFFE ID. */
    public static final AttributeKey<String> PEER_SPIFFE_ID = AttributeKey.valueOf("weft.peerSpiffeId");
    /** Set with {@link #PEER_SPIFFE_ID}: the SPIFFE ID this proxy presented on that connection. */
    public static final AttributeKey<String> LOCAL_SPIFFE_ID = AttributeKey.valueOf("weft.localSpiffeId");
    private static final int SAN_URI = 6;

    private PeerIdentity() {}

    /** The peer's {@code spiffe://} URI SAN, or null when it presented none. */
    public static String spiffeId(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length == 0 || !(chain[0] instanceof X509Certificate x509) ? null : spiffeId(x509);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    public static String spiffeId(X509Certificate cert) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (((Integer) san.get(0)) == SAN_URI && ((String) san.get(1)).startsWith("spiffe://")) {
                        return (String) san.get(1);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return null;
        }
        return null;
    }
}
