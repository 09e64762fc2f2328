package dev.weft.proxy.tls;

import dev.weft.dataplane.tls.UpstreamTls;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS contexts built from one {@link WorkloadCertificate}: mesh TLS 1.3 over BoringSSL, both sides presenting
 * the workload certificate and trusting only the mesh roots. Immutable apart from a cache of client contexts per
 * peer-identity rule; a rotation builds a new instance, so a connection keeps the context it started with and new
 * connections pick up the new one.
 */
public final class MeshTlsContexts {
    static final String TLS_1_3 = "TLSv1.3";
    /**
     * ALPN of the TCP metadata exchange between Weft sidecars (Istio's equivalent: {@code istio-peer-exchange}): a
     * TCP-proxied mesh connection offers it, the server accepts it, and both then start the stream with a frame of
     * their workload metadata ({@code dev.weft.proxy.tcp.PeerMetadataExchange}).
     */
    public static final String PEER_EXCHANGE_ALPN = "weft-peer-exchange";

    /** ALPN ids of the protocols mesh HTTP connections negotiate (h2 first: preferred). */
    public static final String H2 = ApplicationProtocolNames.HTTP_2;
    public static final String HTTP_1_1 = ApplicationProtocolNames.HTTP_1_1;

    /**
     * What a client connection offers by ALPN: nothing, HTTP/2 or HTTP/1.1 (HTTP), HTTP/1.1 only (an upgrade), or the
     * peer metadata exchange (TCP proxying).
     */
    public enum Alpn {
        NONE, H2_OR_HTTP1, HTTP1_ONLY, PEER_EXCHANGE
    }

    private record ClientKey(UpstreamTls tls, Alpn alpn) {}

    private final WorkloadCertificate certificate;
    private final SslContext server;
    private final Map<ClientKey, SslContext> clients = new ConcurrentHashMap<>();

    private MeshTlsContexts(WorkloadCertificate certificate, SslContext server) {
        this.certificate = certificate;
        this.server = server;
    }

    public static MeshTlsContexts of(WorkloadCertificate cert) throws SSLException {
        X509TrustManager pkix;
        try {
            pkix = pkix(cert);
        } catch (GeneralSecurityException e) {
            throw new SSLException("cannot load the mesh roots: " + e.getMessage(), e);
        }
        SslContext server = SslContextBuilder.forServer(cert.key(), chain(cert))
                .sslProvider(provider())
                .protocols(TLS_1_3)
                .trustManager(new ClientCertificateCheck(pkix, ClientCertificateCheck.trustDomainOf(cert.spiffeId()))
                        .asFactory())
                .clientAuth(ClientAuth.REQUIRE)
                // h2 and http/1.1 for HTTP, the peer exchange for TCP proxying; a client offering none connects without
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, H2, HTTP_1_1,
                        PEER_EXCHANGE_ALPN))
                .build();
        MeshTlsContexts contexts = new MeshTlsContexts(cert, server);
        contexts.clientFor(new UpstreamTls("", java.util.List.of())); // fail now, not on the first request
        return contexts;
    }

    public WorkloadCertificate certificate() {
        return certificate;
    }

    /** For inbound listeners: requires a client certificate from the mesh roots with a SPIFFE ID of our trust domain. */
    public SslContext server() {
        return server;
    }

    /**
     * For connections to a cluster's endpoints: the peer must chain to the mesh roots and hold a SPIFFE ID the
     * cluster accepts. Both are checked inside the handshake, so no request byte reaches a peer that fails them.
     */
    public SslContext clientFor(UpstreamTls tls) {
        return clientFor(tls, Alpn.NONE);
    }

    /** As {@link #clientFor}, offering {@link #PEER_EXCHANGE_ALPN}: for TCP-proxied connections. */
    public SslContext tcpClientFor(UpstreamTls tls) {
        return clientFor(tls, Alpn.PEER_EXCHANGE);
    }

    /** Like {@link #clientFor(UpstreamTls)}, offering {@code alpn}; the pool reads what was negotiated. */
    public SslContext clientFor(UpstreamTls tls, Alpn alpn) {
        return clients.computeIfAbsent(new ClientKey(tls, alpn), this::buildClient);
    }

    private SslContext buildClient(ClientKey key) {
        try {
            // SPIFFE certificates carry no DNS names: identity is the URI SAN, checked by PeerIdentityTrustManager
            SslContextBuilder b = SslContextBuilder.forClient()
                    .sslProvider(provider())
                    .protocols(TLS_1_3)
                    .keyManager(certificate.key(), chain(certificate))
                    .trustManager(new PeerIdentityTrustManager(pkix(certificate), key.tls()).asFactory());
            if (key.alpn() != Alpn.NONE) {
                String[] offered = switch (key.alpn()) {
                    case H2_OR_HTTP1 -> new String[]{H2, HTTP_1_1};
                    case HTTP1_ONLY -> new String[]{HTTP_1_1};
                    default -> new String[]{PEER_EXCHANGE_ALPN};
                };
                b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, offered));
            }
            return b.build();
        } catch (SSLException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the mesh TLS client context: " + e.getMessage(), e);
        }
    }

    private static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    private static X509Certificate[] chain(WorkloadCertificate c) {
        return c.chain().toArray(X509Certificate[]::new);
    }

    static X509TrustManager pkix(WorkloadCertificate c) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        int i = 0;
        for (X509Certificate root : c.trustBundle()) {
            store.setCertificateEntry("root-" + i++, root);
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager tm : f.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager");
    }

    /** Chain validation against the mesh roots, then the SPIFFE ID rule of the cluster. */
    static final class PeerIdentityTrustManager extends ServerCertificateCheck {
        private final UpstreamTls rule;

        PeerIdentityTrustManager(X509TrustManager pkix, UpstreamTls rule) {
            super(pkix);
            this.rule = rule;
        }

        @Override
        void checkServerIdentity(X509Certificate leaf) throws CertificateException {
            String id = PeerIdentity.spiffeId(leaf);
            if (!rule.accepts(id)) {
                throw new CertificateException("peer identity " + (id == null ? "(no SPIFFE ID)" : id)
                        + " is not accepted by this cluster (expected " + rule.peerIdentities() + ")");
            }
        }
    }
}
