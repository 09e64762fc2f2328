package dev.weft.controlplane.ca;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The control plane's TLS identity for its xDS port: a key made at start (never written to disk) and a 12-hour
 * certificate for {@link ControlPlaneIdentity} from its own CA, renewed at half-life like a workload's. The key manager hands out
 * the current certificate at each handshake; the trust manager accepts client certificates that chain to the mesh
 * roots (which SPIFFE ID they carry is decided per stream, see {@code xds.StreamAuthentication}).
 */
public final class ControlPlaneCertificate {
    private static final Logger log = LoggerFactory.getLogger(ControlPlaneCertificate.class);
    /**
     * Not the workload TTL: the key never leaves this process, and a certificate that a busy control plane renews a
     * little late must not fail every proxy's reconnect (workload TTLs of seconds are for tests).
     */
    static final Duration TTL = Duration.ofHours(12);

    private record Issued(PrivateKey key, List<X509Certificate> chain, Instant received) {
        String alias() {
            return "weft-cp-" + chain.getFirst().getSerialNumber().toString(16);
        }

        Instant renewAt() {
            Instant notAfter = chain.getFirst().getNotAfter().toInstant();
            return received.plus(Duration.between(received, notAfter).dividedBy(2));
        }
    }

    private final CertificateAuthority ca;
    private final List<String> dnsNames;
    private final List<String> ipAddresses;
    private final ScheduledExecutorService timers;
    private volatile Issued current;

    /**
     * Issues the first certificate and schedules renewals on {@code timers}.
     *
     * @param dnsNames DNS SANs besides {@code localhost} (the {@code --xds-tls-san} host names)
     * @param ipAddresses IP SANs besides the loopback addresses
     */
    public ControlPlaneCertificate(CertificateAuthority ca, List<String> dnsNames, List<String> ipAddresses,
                                   ScheduledExecutorService timers) {
        this.ca = ca;
        this.dnsNames = List.copyOf(dnsNames);
        this.ipAddresses = List.copyOf(ipAddresses);
        this.timers = timers;
        this.current = issue();
        log.info("xDS TLS certificate {} (SANs DNS {}, IP {}) valid until {}", ControlPlaneIdentity.of(ca.trustDomain()),
                this.dnsNames, this.ipAddresses, current.chain().getFirst().getNotAfter().toInstant());
        schedule(current.renewAt());
    }

    private Issued issue() {
        KeyPair pair = CertificateAuthority.newKeyPair();
        List<X509Certificate> chain = ca.issueControlPlaneCertificate(pair.getPublic(), dnsNames, ipAddresses, TTL);
        return new Issued(pair.getPrivate(), chain, Instant.now());
    }

    private void schedule(Instant when) {
        long delay = Math.max(0, Duration.between(Instant.now(), when).toMillis());
        try {
            timers.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    private void renew() {
        try {
            current = issue();
            log.debug("renewed the xDS TLS certificate: valid until {}", current.chain().getFirst().getNotAfter());
        } catch (RuntimeException e) {
            log.warn("renewing the xDS TLS certificate failed ({}); retrying in 1 s", e.getMessage());
            schedule(Instant.now().plusSeconds(1));
            return;
        }
        schedule(current.renewAt());
    }

    /** The certificate being served now (leaf first). */
    public List<X509Certificate> chain() {
        return current.chain();
    }

    public KeyManager keyManager() {
        return new KeyManagerImpl();
    }

    public TrustManager clientTrustManager() {
        return new ClientTrustManager();
    }

    /** Server side only: the current certificate, whatever the key type asked (there is one key). */
    private final class KeyManagerImpl extends X509ExtendedKeyManager {
        // chain and key are read by alias after it is chosen; a renewal in between must not mix two certificates
        private volatile Issued chosen;

        private String choose() {
            Issued c = current;
            chosen = c;
            return c.alias();
        }

        private Issued byAlias(String alias) {
            Issued c = chosen;
            return c != null && c.alias().equals(alias) ? c : current;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return choose();
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return choose();
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[]{current.alias()};
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
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

    /** A client certificate must chain to the mesh roots and be valid now; anything else fails the handshake. */
    private final class ClientTrustManager extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                ca.validate(List.of(chain));
            } catch (GeneralSecurityException e) {
                throw new CertificateException("client certificate not issued by the mesh CA: " + e.getMessage(), e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("server-side trust manager");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ca.trustBundle().toArray(X509Certificate[]::new);
        }
    }
}
