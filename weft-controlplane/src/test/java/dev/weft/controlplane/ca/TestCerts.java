package dev.weft.controlplane.ca;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** Certificates a CA operator would make by hand. */
final class TestCerts {
    private TestCerts() {}

    static X509Certificate intermediate(CertificateAuthority root, Path rootKey, KeyPair keys) throws Exception {
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(root.signingCertificate(), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(30))),
                new X500Name("O=cluster.local,CN=Weft intermediate"), keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new JcaX509CertificateConverter().getCertificate(
                b.build(CertificateAuthority.signer(Pem.privateKey(Files.readString(rootKey)))));
    }
}
