package dev.weft.proxy.tls;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The server side of mesh mTLS: the client's chain must validate against the mesh roots (which also refuses an expired
 * certificate) and its leaf must hold a SPIFFE ID of this proxy's trust domain. The second check matters when the
 * operator's root also signs certificates that are not workload identities: those must not pass for a mesh peer.
 * Which workload may call is decided afterwards by AuthorizationPolicy, on that SPIFFE ID.
 */
final class ClientCertificateCheck extends OneSidedTrustManager {
    private final X509TrustManager pkix;
    private final String trustDomain;
    private final String trustDomainPrefix;

    /** @param trustDomain e.g. {@code cluster.local} */
    ClientCertificateCheck(X509TrustManager pkix, String trustDomain) {
        this.pkix = pkix;
        this.trustDomain = trustDomain;
        this.trustDomainPrefix = "spiffe://" + trustDomain + "/";
    }

    /** The trust domain of a SPIFFE ID ({@code spiffe://<td>/ns/...}). */
    static String trustDomainOf(String spiffeId) {
        String rest = spiffeId.substring("spiffe://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    TrustManagerFactory asFactory() {
        return ServerCertificateCheck.factoryOf(this);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        String id = PeerIdentity.spiffeId(chain[0]);
        if (id == null || !id.startsWith(trustDomainPrefix)) {
            throw new CertificateException("client certificate " + chain[0].getSubjectX500Principal()
                    + " holds no SPIFFE ID of trust domain " + trustDomain + " (got " + id + ")");
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
