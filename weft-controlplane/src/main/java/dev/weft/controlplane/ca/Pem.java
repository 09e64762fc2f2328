package dev.weft.controlplane.ca;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** PEM encoding and decoding of keys, certificates and CSRs. */
public final class Pem {
    private Pem() {}

    public static String encode(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                // keys as PKCS#8 ("PRIVATE KEY"), which every TLS library reads
                writer.writeObject(o instanceof PrivateKey key ? new JcaPKCS8Generator(key, null) : o);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot PEM-encode", e); // a StringWriter does not fail
        }
        return out.toString();
    }

    public static List<X509Certificate> certificates(String pem) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (!(o instanceof X509CertificateHolder holder)) {
                    throw new IOException("expected only CERTIFICATE blocks, found " + o.getClass().getSimpleName());
                }
                out.add(new JcaX509CertificateConverter().getCertificate(holder));
            }
        } catch (CertificateException e) {
            throw new IOException("invalid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException("no PEM CERTIFICATE block found");
        }
        return out;
    }

    public static PrivateKey privateKey(String pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IOException("expected a PEM private key, found " + (o == null ? "nothing" : o.getClass().getSimpleName()));
        }
    }

    public static PKCS10CertificationRequest csr(String pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (o instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
            throw new IOException("expected a PEM CERTIFICATE REQUEST, found " + (o == null ? "nothing" : o.getClass().getSimpleName()));
        }
    }

}
