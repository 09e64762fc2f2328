package dev.weft.controlplane.ca;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;

/**
 * The mesh CA (DESIGN.md §6): signs workload CSRs into short-lived certificates whose only identity is the SPIFFE
 * URI SAN the caller was authorised for (never what the CSR asks for).
 *
 * <p>The signing key and certificate come either from the operator (a root or an intermediate plus its chain) or
 * from {@code <dataDir>/ca}, where a self-signed root is created on first start (key file 0600, directory 0700) and
 * reused afterwards, so certificates issued before a restart stay valid. Extra trusted roots in
 * {@code <dataDir>/ca/extra-roots.pem} join the trust bundle: that is how a root is rotated (old and new trusted
 * side by side until every workload holds a certificate from the new one).
 */
public final class CertificateAuthority {
    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);
    static final String ROOT_CERT = "root-cert.pem";
    static final String ROOT_KEY = "root-key.pem";
    static final String EXTRA_ROOTS = "extra-roots.pem";
    private static final Duration ROOT_VALIDITY = Duration.ofDays(3650);
    /** Tolerates clocks a little behind ours. */
    private static final Duration BACKDATE = Duration.ofMinutes(1);

    private final String trustDomain;
    private final PrivateKey signingKey;
    private final X509Certificate signingCert;
    /** The signing certificate's issuers up to (excluding) the root; empty when signing with a root. */
    private final List<X509Certificate> intermediates;
    private final List<X509Certificate> trustBundle;
    private final Duration defaultTtl;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(String trustDomain, PrivateKey signingKey, X509Certificate signingCert,
                                 List<X509Certificate> intermediates, List<X509Certificate> trustBundle,
                                 Duration defaultTtl) {
        this.trustDomain = trustDomain;
        this.signingKey = signingKey;
        this.signingCert = signingCert;
        this.intermediates = List.copyOf(intermediates);
        this.trustBundle = List.copyOf(trustBundle);
        this.defaultTtl = defaultTtl;
    }

    /** Loads the root from {@code caDir}, creating it on first use. */
    public static CertificateAuthority loadOrCreate(Path caDir, String trustDomain, Duration defaultTtl) throws IOException {
        Path certFile = caDir.resolve(ROOT_CERT);
        Path keyFile = caDir.resolve(ROOT_KEY);
        PrivateKey key;
        X509Certificate cert;
        if (Files.exists(certFile) || Files.exists(keyFile)) {
            key = Pem.privateKey(read(keyFile));
            cert = Pem.certificates(read(certFile)).getFirst();
            log.info("CA: using root {} from {}", cert.getSubjectX500Principal(), caDir);
        } else {
            KeyPair pair = newKeyPair();
            cert = selfSignedRoot(pair, trustDomain);
            key = pair.getPrivate();
            createPrivateDir(caDir);
            writePrivate(keyFile, Pem.encode(key));
            Files.writeString(certFile, Pem.encode(cert));
            log.info("CA: created root {} in {}", cert.getSubjectX500Principal(), caDir);
        }
        List<X509Certificate> bundle = new ArrayList<>(List.of(cert));
        Path extra = caDir.resolve(EXTRA_ROOTS);
        if (Files.exists(extra)) {
            bundle.addAll(Pem.certificates(read(extra)));
        }
        return new CertificateAuthority(trustDomain, key, cert, List.of(), bundle, defaultTtl);
    }

    /**
     * An operator-supplied CA: {@code certFile} holds the signing certificate followed by its chain (intermediates
     * then, optionally, the root); {@code rootsFile} holds the trusted roots (null: the last certificate of the
     * chain).
     */
    public static CertificateAuthority fromFiles(Path certFile, Path keyFile, Path rootsFile, String trustDomain,
                                                 Duration defaultTtl) throws IOException {
        List<X509Certificate> chain = Pem.certificates(read(certFile));
        PrivateKey key = Pem.privateKey(read(keyFile));
        if (!matches(key, chain.getFirst().getPublicKey())) {
            throw new IOException(keyFile + " is not the private key of the first certificate in " + certFile);
        }
        List<X509Certificate> roots = rootsFile != null ? Pem.certificates(read(rootsFile)) : List.of(chain.getLast());
        List<X509Certificate> intermediates = new ArrayList<>(chain.subList(1, chain.size()));
        intermediates.removeIf(c -> c.getSubjectX500Principal().equals(c.getIssuerX500Principal()));
        return new CertificateAuthority(trustDomain, key, chain.getFirst(), intermediates, roots, defaultTtl);
    }

    public String trustDomain() {
        return trustDomain;
    }

    public Duration defaultTtl() {
        return defaultTtl;
    }

    /** The roots a workload should trust. */
    public List<X509Certificate> trustBundle() {
        return trustBundle;
    }

    public X509Certificate signingCertificate() {
        return signingCert;
    }

    /**
     * Signs {@code csr} for {@code identity}. The CSR must be correctly self-signed (proof that the caller holds
     * the private key); its subject and requested extensions are ignored.
     *
     * @return the leaf followed by any intermediates (the chain a TLS peer sends)
     */
    public List<X509Certificate> sign(PKCS10CertificationRequest csr, SpiffeId identity, Duration ttl)
            throws CsrRejectedException {
        if (!identity.trustDomain().equals(trustDomain)) {
            throw new CsrRejectedException("identity " + identity + " is outside trust domain " + trustDomain);
        }
        if (ControlPlaneIdentity.isReserved(identity.namespace(), identity.serviceAccount())) {
            throw new CsrRejectedException(identity + " is the control plane's own identity; no workload may hold it");
        }
        try {
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
                throw new CsrRejectedException("CSR signature does not verify: it was not signed by the key it carries");
            }
            PublicKey publicKey = new JcaPKCS10CertificationRequest(csr).getPublicKey();
            return issue(publicKey, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                    identity.uri())), ttl);
        } catch (OperatorCreationException | PKCSException | GeneralSecurityException | CertIOException e) {
            throw new CsrRejectedException("cannot sign CSR: " + e.getMessage());
        }
    }

    /**
     * The control plane's own serving certificate for its TLS xDS port: the URI SAN {@link ControlPlaneIdentity}
     * (what Weft proxies check) plus DNS and IP SANs for clients that verify a host name.
     */
    public List<X509Certificate> issueControlPlaneCertificate(PublicKey key, List<String> dnsNames,
                                                              List<String> ipAddresses, Duration ttl) {
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, ControlPlaneIdentity.of(trustDomain).uri()));
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        try {
            return issue(key, new GeneralNames(names.toArray(GeneralName[]::new)), ttl);
        } catch (OperatorCreationException | GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue the control plane's certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Validates a peer's chain (leaf first, intermediates after) against the trust bundle, without revocation.
     *
     * @throws GeneralSecurityException naming what failed (expired, untrusted issuer, ...)
     */
    public void validate(List<X509Certificate> chain) throws GeneralSecurityException {
        Set<TrustAnchor> anchors = new HashSet<>();
        trustBundle.forEach(c -> anchors.add(new TrustAnchor(c, null)));
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        List<X509Certificate> path = chain.stream().filter(c -> !isSelfSigned(c)).toList();
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path),
                params);
    }

    private List<X509Certificate> issue(PublicKey publicKey, GeneralNames sans, Duration ttl)
            throws OperatorCreationException, GeneralSecurityException, CertIOException {
        Instant now = Instant.now();
        Instant notAfter = now.plus(ttl);
        if (notAfter.isAfter(signingCert.getNotAfter().toInstant())) {
            notAfter = signingCert.getNotAfter().toInstant(); // never outlive the signer
        }
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(signingCert,
                new BigInteger(127, random), Date.from(now.minus(BACKDATE)), Date.from(notAfter),
                new X500Name("O=" + trustDomain), publicKey);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                // Istio marks the SAN critical because the subject is empty of identity.
                .addExtension(Extension.subjectAlternativeName, true, sans)
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(signingCert))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey));
        X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(builder.build(signer(signingKey)));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        if (!isSelfSigned(signingCert)) {
            chain.add(signingCert); // an intermediate: peers need it to reach the root
        }
        chain.addAll(intermediates);
        return List.copyOf(chain);
    }

    private static boolean isSelfSigned(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 unavailable", e);
        }
    }

    static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaContentSignerBuilder(algorithm).build(key);
    }

    private static X509Certificate selfSignedRoot(KeyPair pair, String trustDomain) throws IOException {
        try {
            Instant now = Instant.now();
            X500Name name = new X500Name("O=" + trustDomain + ",CN=Weft root CA");
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(127, new SecureRandom()),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(ROOT_VALIDITY)), name, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return new JcaX509CertificateConverter().getCertificate(b.build(signer(pair.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create the CA root certificate: " + e.getMessage(), e);
        }
    }

    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        try {
            var sig = java.security.Signature.getInstance(key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA");
            byte[] probe = "weft-ca-key-check".getBytes(StandardCharsets.UTF_8);
            sig.initSign(key);
            sig.update(probe);
            byte[] signature = sig.sign();
            sig.initVerify(publicKey);
            sig.update(probe);
            return sig.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    static void createPrivateDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: nothing better to do
        }
    }

    /** Writes a secret: created 0600 before any byte is written, so it is never readable by others. */
    static void writePrivate(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, content, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
