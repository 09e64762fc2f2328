package dev.weft.proxy.tls;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The credentials of the proxy's xDS channel when it has a workload identity (docs/xds-conventions.md, "Authenticated
 * xDS"): mTLS through gRPC's own TLS, presenting the current workload certificate and accepting only a control plane
 * whose certificate chains to the mesh roots and carries the control plane's SPIFFE ID
 * ({@code spiffe://<trust domain>/ns/weft-system/sa/weft-controlplane}). Host names are not checked: the proxy may
 * reach the control plane by any address, and the SPIFFE ID is what identifies it, as between sidecars.
 *
 * <p>Key and trust managers read the identity at each handshake, so a rotated certificate (or root bundle) is used by
 * the next connection while an established stream keeps its handshake.
 */
public final class ControlPlaneTls {
    /** The control plane's identity in its trust domain (the namespace and service account no workload may get). */
    public static final String CONTROL_PLANE_PATH = "/ns/weft-system/sa/weft-controlplane";

    private ControlPlaneTls() {}

    public static ChannelCredentials credentials(MeshTlsProvider identity) {
        Supplier<WorkloadCertificate> current = () -> {
            MeshTlsContexts contexts = identity.current();
            if (contexts == null) {
                throw new IllegalStateException("the proxy has no workload certificate");
            }
            return contexts.certificate();
        };
        return TlsChannelCredentials.newBuilder()
                .keyManager(new CurrentCertificateKeyManager(current))
                .trustManager(new ControlPlaneTrustManager(current))
                .build();
    }

    /** The SPIFFE ID the control plane of {@code workloadSpiffeId}'s trust domain presents. */
    static String controlPlaneSpiffeId(String workloadSpiffeId) {
        String rest = workloadSpiffeId.substring("spiffe://".length());
        int slash = rest.indexOf('/');
        return "spiffe://" + (slash < 0 ? rest : rest.substring(0, slash)) + CONTROL_PLANE_PATH;
    }

    /** Presents whatever certificate the identity holds now; the alias names the certificate's serial. */
    static final class CurrentCertificateKeyManager extends X509ExtendedKeyManager {
        private final Supplier<WorkloadCertificate> current;
        // the certificate whose alias was handed out last: chain and key are read by alias afterwards, and a
        // rotation in between must not pair one certificate's chain with another's key
        private volatile WorkloadCertificate chosen;

        CurrentCertificateKeyManager(Supplier<WorkloadCertificate> current) {
            this.current = current;
        }

        private static String alias(WorkloadCertificate c) {
            return "weft-" + c.chain().getFirst().getSerialNumber().toString(16);
        }

        private String choose() {
            WorkloadCertificate c = current.get();
            chosen = c;
            return alias(c);
        }

        private WorkloadCertificate byAlias(String alias) {
            WorkloadCertificate c = chosen;
            return c != null && alias(c).equals(alias) ? c : current.get();
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return choose();
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return choose();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[]{choose()};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return byAlias(alias).chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return byAlias(alias).key();
        }
    }

    /** Mesh roots of the current certificate, then exactly the control plane's SPIFFE ID. */
    static final class ControlPlaneTrustManager extends OneSidedTrustManager {
        private final Supplier<WorkloadCertificate> current;

        ControlPlaneTrustManager(Supplier<WorkloadCertificate> current) {
            this.current = current;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            WorkloadCertificate own = current.get();
            X509TrustManager pkix;
            try {
                pkix = MeshTlsContexts.pkix(own);
            } catch (GeneralSecurityException e) {
                throw new CertificateException("cannot load the mesh roots: " + e.getMessage(), e);
            }
            pkix.checkServerTrusted(chain, authType);
            String expected = controlPlaneSpiffeId(own.spiffeId());
            String presented = PeerIdentity.spiffeId(chain[0]);
            if (!expected.equals(presented)) {
                throw new CertificateException("the xDS server presented " + (presented == null ? "no SPIFFE ID"
                        : presented) + ", expected the control plane's " + expected);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return current.get().trustBundle().toArray(X509Certificate[]::new);
        }
    }
}
