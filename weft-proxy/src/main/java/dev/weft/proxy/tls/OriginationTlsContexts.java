package dev.weft.proxy.tls;

import dev.weft.dataplane.tls.TlsOrigination;
import dev.weft.dataplane.tls.UpstreamTls;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Client TLS contexts for origination to servers outside the mesh (DestinationRule SIMPLE / MUTUAL): the client
 * certificate and key (MUTUAL) and the CA bundle come from files the sidecar reads when a cluster first needs them;
 * the server must chain to that bundle and hold one of the cluster's SANs (checked in the handshake, so no request
 * byte reaches a server that fails). TLS 1.2 and 1.3, as servers outside the mesh speak either. One context per
 * distinct setting, shared by all event loops; a setting whose files cannot be read fails each connection attempt
 * with the reason (503 {@code UF}) until fixed.
 */
public final class OriginationTlsContexts {
    private static final Map<UpstreamTls, SslContext> CONTEXTS = new ConcurrentHashMap<>();
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    private OriginationTlsContexts() {}

    /** The context for {@code tls} (which has an origination); throws SSLException naming the file at fault. */
    public static SslContext clientFor(UpstreamTls tls) throws SSLException {
        SslContext cached = CONTEXTS.get(tls);
        if (cached != null) {
            return cached;
        }
        SslContext built = build(tls.origination());
        SslContext raced = CONTEXTS.putIfAbsent(tls, built);
        return raced != null ? raced : built;
    }

    private static SslContext build(TlsOrigination o) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2");
        if (o.certificateChainFile() != null) {
            try {
                b.keyManager(new File(o.certificateChainFile()), new File(o.privateKeyFile()));
            } catch (IllegalArgumentException e) {
                throw new SSLException("cannot load client certificate " + o.certificateChainFile() + " / key "
                        + o.privateKeyFile() + ": " + e.getMessage(), e);
            }
        }
        if (!o.verifiesServer()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE); // insecureSkipVerify: no validation context
        } else {
            b.trustManager(new ServerNameTrustManager(pkix(o.trustedCaFile()), o.serverNames()).asFactory());
        }
        return b.build();
    }

    private static X509TrustManager pkix(String caFile) throws SSLException {
        try (InputStream in = Files.newInputStream(Path.of(caFile))) {
            Collection<? extends java.security.cert.Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new SSLException("no certificate in CA file " + caFile);
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (var c : certs) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new SSLException("no X509TrustManager");
        } catch (java.io.IOException | GeneralSecurityException e) {
            throw new SSLException("cannot load CA file " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** Chain validation against the CA bundle, then the server's SANs against the cluster's names. */
    static final class ServerNameTrustManager extends ServerCertificateCheck {
        private final List<TlsOrigination.SanName> names;

        ServerNameTrustManager(X509TrustManager pkix, List<TlsOrigination.SanName> names) {
            super(pkix);
            this.names = names;
        }

        @Override
        void checkServerIdentity(X509Certificate leaf) throws CertificateException {
            if (names.isEmpty()) {
                return;
            }
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    TlsOrigination.SanName.Type type = switch ((Integer) san.get(0)) {
                        case SAN_DNS -> TlsOrigination.SanName.Type.DNS;
                        case SAN_URI -> TlsOrigination.SanName.Type.URI;
                        case SAN_IP -> TlsOrigination.SanName.Type.IP_ADDRESS;
                        default -> null;
                    };
                    for (TlsOrigination.SanName n : names) {
                        if (type != null && n.matches(type, String.valueOf(san.get(1)))) {
                            return;
                        }
                    }
                }
            }
            throw new CertificateException("server certificate SANs " + sans + " match none of " + names);
        }
    }
}
