package dev.weft.controlplane;

import dev.weft.controlplane.ca.CertificateAuthority;
import dev.weft.controlplane.ca.Pem;
import dev.weft.controlplane.ca.SpiffeId;
import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;

/** Workload certificates from a real CA, the way a proxy gets them (its own key, a CSR), for tests. */
public record WorkloadCerts(KeyPair keys, List<X509Certificate> chain, List<X509Certificate> roots) {

    public static WorkloadCerts issue(CertificateAuthority ca, String namespace, String serviceAccount) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = g.generateKeyPair();
        var csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("O=test"), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
        List<X509Certificate> chain = ca.sign(csr, new SpiffeId(ca.trustDomain(), namespace, serviceAccount),
                Duration.ofMinutes(10));
        return new WorkloadCerts(keys, chain, ca.trustBundle());
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /**
     * gRPC's stock TLS credentials presenting this certificate and trusting the mesh roots, host name checked as any
     * gRPC client does: the control plane's certificate covers 127.0.0.1.
     */
    public ChannelCredentials credentials() throws Exception {
        return TlsChannelCredentials.newBuilder()
                .keyManager(pem(Pem.encode(chain.toArray())), pem(Pem.encode(keys.getPrivate())))
                .trustManager(pem(Pem.encode(roots.toArray())))
                .build();
    }

    /** TLS without a client certificate. */
    public static ChannelCredentials serverOnly(CertificateAuthority ca) throws Exception {
        return TlsChannelCredentials.newBuilder().trustManager(pem(Pem.encode(ca.trustBundle().toArray()))).build();
    }

    private static ByteArrayInputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }
}
