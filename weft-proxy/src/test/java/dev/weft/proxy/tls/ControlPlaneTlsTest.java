package dev.weft.proxy.tls;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The xDS channel's key and trust managers: the control plane's exact SPIFFE ID under the current mesh roots. */
class ControlPlaneTlsTest {
    private static final String CONTROL_PLANE = "spiffe://cluster.local/ns/weft-system/sa/weft-controlplane";

    @Test
    void onlyTheControlPlaneIdentityUnderTheCurrentRootsIsAccepted() throws Exception {
        KeyPair rootKeys = CertificateSigningClient.newKeyPair();
        X509Certificate root = cert(rootKeys, rootKeys, null, "O=cluster.local,CN=root", null, true);
        KeyPair otherKeys = CertificateSigningClient.newKeyPair();
        X509Certificate otherRoot = cert(otherKeys, otherKeys, null, "O=cluster.local,CN=other", null, true);
        AtomicReference<WorkloadCertificate> own = new AtomicReference<>(workload(rootKeys, root, List.of(root)));
        var trust = new ControlPlaneTls.ControlPlaneTrustManager(own::get);

        trust.checkServerTrusted(chain(rootKeys, root, CONTROL_PLANE), "ECDHE_ECDSA");
        // a workload certificate from the same CA is no control plane
        assertThatThrownBy(() -> trust.checkServerTrusted(chain(rootKeys, root,
                "spiffe://cluster.local/ns/default/sa/payments"), "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("presented spiffe://cluster.local/ns/default/sa/payments")
                .hasMessageContaining("expected the control plane's " + CONTROL_PLANE);
        // the right name from a root the mesh does not trust
        assertThatThrownBy(() -> trust.checkServerTrusted(chain(otherKeys, otherRoot, CONTROL_PLANE), "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
        // after a root rotation reaches the proxy (bundle holding both), the new root's control plane is accepted
        own.set(workload(rootKeys, root, List.of(root, otherRoot)));
        trust.checkServerTrusted(chain(otherKeys, otherRoot, CONTROL_PLANE), "ECDHE_ECDSA");
    }

    @Test
    void theKeyManagerPresentsTheCurrentCertificateAndKeepsChainAndKeyTogether() throws Exception {
        KeyPair rootKeys = CertificateSigningClient.newKeyPair();
        X509Certificate root = cert(rootKeys, rootKeys, null, "O=cluster.local,CN=root", null, true);
        AtomicReference<WorkloadCertificate> own = new AtomicReference<>(workload(rootKeys, root, List.of(root)));
        var keys = new ControlPlaneTls.CurrentCertificateKeyManager(own::get);
        WorkloadCertificate first = own.get();
        String alias = keys.chooseEngineClientAlias(new String[]{"EC"}, null, null);
        own.set(workload(rootKeys, root, List.of(root))); // rotated between choosing and reading
        assertThat(keys.getCertificateChain(alias)).containsExactlyElementsOf(first.chain());
        assertThat(keys.getPrivateKey(alias)).isEqualTo(first.key());
        String next = keys.chooseEngineClientAlias(new String[]{"EC"}, null, null);
        assertThat(next).isNotEqualTo(alias);
        assertThat(keys.getCertificateChain(next)).containsExactlyElementsOf(own.get().chain());
    }

    @Test
    void theControlPlaneIdentityIsInTheWorkloadsTrustDomain() {
        assertThat(ControlPlaneTls.controlPlaneSpiffeId("spiffe://example.org/ns/shop/sa/cart"))
                .isEqualTo("spiffe://example.org/ns/weft-system/sa/weft-controlplane");
    }

    private static WorkloadCertificate workload(KeyPair rootKeys, X509Certificate root, List<X509Certificate> bundle)
            throws Exception {
        KeyPair keys = CertificateSigningClient.newKeyPair();
        String id = "spiffe://cluster.local/ns/default/sa/frontend";
        return new WorkloadCertificate(id, keys.getPrivate(), List.of(cert(keys, rootKeys, root, "O=cluster.local", id,
                false)), bundle, Instant.now());
    }

    private static X509Certificate[] chain(KeyPair issuerKeys, X509Certificate issuer, String uri) throws Exception {
        KeyPair keys = CertificateSigningClient.newKeyPair();
        return new X509Certificate[]{cert(keys, issuerKeys, issuer, "O=cluster.local", uri, false)};
    }

    private static X509Certificate cert(KeyPair subject, KeyPair issuerKeys, X509Certificate issuer, String name,
                                        String uriSan, boolean ca) throws Exception {
        Instant now = Instant.now();
        var b = issuer == null
                ? new JcaX509v3CertificateBuilder(new X500Name(name), BigInteger.valueOf(System.nanoTime()),
                        Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofHours(1))), new X500Name(name),
                        subject.getPublic())
                : new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()),
                        Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofHours(1))), new X500Name(name),
                        subject.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (uriSan != null) {
            b.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uriSan)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }
}
