package dev.weft.proxy.tls;

import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A client-side trust manager: the server's chain is validated against a CA bundle, then its leaf certificate is
 * checked by the subclass (mesh SPIFFE ID, or the names a DestinationRule expects). Checking in the handshake means a
 * wrong peer never gets a request.
 */
abstract class ServerCertificateCheck extends OneSidedTrustManager {
    private final X509TrustManager pkix;

    ServerCertificateCheck(X509TrustManager pkix) {
        this.pkix = pkix;
    }

    /** Throws when the chain-validated leaf certificate is not a server this connection may talk to. */
    abstract void checkServerIdentity(X509Certificate leaf) throws CertificateException;

    /** This check as the factory Netty's SslContextBuilder takes. */
    final TrustManagerFactory asFactory() {
        return factoryOf(this);
    }

    /** A trust manager as the factory Netty's SslContextBuilder takes. */
    static TrustManagerFactory factoryOf(TrustManager manager) {
        TrustManager[] managers = {manager};
        return new SimpleTrustManagerFactory() {
            @Override
            protected void engineInit(KeyStore keyStore) {}

            @Override
            protected void engineInit(ManagerFactoryParameters params) {}

            @Override
            protected TrustManager[] engineGetTrustManagers() {
                return managers;
            }
        };
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        checkServerIdentity(chain[0]);
    }

    @Override
    public final X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
