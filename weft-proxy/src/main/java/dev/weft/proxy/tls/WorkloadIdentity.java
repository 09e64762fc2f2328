package dev.weft.proxy.tls;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's workload identity over time: the first certificate is obtained with the join token before the proxy
 * serves; afterwards a background thread renews at about half-life (with a little jitter so a fleet does not renew
 * in lock-step) and swaps the TLS contexts. A failed renewal is retried while the current certificate is valid.
 */
public final class WorkloadIdentity implements MeshTlsProvider, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkloadIdentity.class);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final CertificateSigningClient ca;
    private final Path tokenFile;
    private final ScheduledExecutorService renewer;
    private final AtomicLong rotations = new AtomicLong();
    private volatile MeshTlsContexts current;

    private WorkloadIdentity(CertificateSigningClient ca, Path tokenFile, MeshTlsContexts first) {
        this.ca = ca;
        this.tokenFile = tokenFile;
        this.current = first;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-cert-renewer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Reads the join token, obtains the first certificate (blocking) and starts renewing.
     *
     * @throws IOException naming the token file or quoting the CA's refusal
     */
    public static WorkloadIdentity bootstrap(URI caUrl, Path tokenFile) throws IOException {
        CertificateSigningClient client = new CertificateSigningClient(caUrl);
        WorkloadCertificate cert = client.bootstrap(readToken(tokenFile));
        WorkloadIdentity identity = new WorkloadIdentity(client, tokenFile, MeshTlsContexts.of(cert));
        LOG.info("workload identity {}: certificate valid until {}, renewal at {}", cert.spiffeId(), cert.notAfter(),
                cert.renewAt());
        identity.scheduleRenewal(cert.renewAt());
        return identity;
    }

    private static String readToken(Path tokenFile) throws IOException {
        String token;
        try {
            token = Files.readString(tokenFile).strip();
        } catch (NoSuchFileException e) {
            throw new IOException("--token-file " + tokenFile + ": no such file");
        }
        if (token.isEmpty()) {
            throw new IOException("--token-file " + tokenFile + ": the file is empty");
        }
        return token;
    }

    @Override
    public MeshTlsContexts current() {
        return current;
    }

    public String spiffeId() {
        return current.certificate().spiffeId();
    }

    /** How many times the certificate was replaced since start. */
    public long rotations() {
        return rotations.get();
    }

    private void scheduleRenewal(Instant when) {
        WorkloadCertificate c = current.certificate();
        long jitterMillis = ThreadLocalRandom.current().nextLong(0,
                Math.max(1, Duration.between(c.received(), c.notAfter()).toMillis() / 20));
        long delay = Math.max(0, Duration.between(Instant.now(), when).toMillis() + jitterMillis);
        if (!renewer.isShutdown()) {
            renewer.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void renew() {
        WorkloadCertificate old = current.certificate();
        try {
            WorkloadCertificate next;
            if (Instant.now().isBefore(old.notAfter())) {
                try {
                    next = ca.renew(old);
                } catch (CertificateRequestException refused) {
                    next = ca.bootstrap(readToken(tokenFile)); // e.g. it expired in flight: the token may still serve
                }
            } else {
                // expired (the process was stalled, the CA away too long): start over with the join token, which
                // the operator may also have replaced with a fresh one
                next = ca.bootstrap(readToken(tokenFile));
            }
            current = MeshTlsContexts.of(next);
            rotations.incrementAndGet();
            LOG.info("rotated certificate of {}: valid until {}", next.spiffeId(), next.notAfter());
            scheduleRenewal(next.renewAt());
        } catch (IOException | RuntimeException e) {
            Duration left = Duration.between(Instant.now(), old.notAfter());
            Duration retry = left.dividedBy(10);
            if (retry.compareTo(MAX_RETRY) > 0) {
                retry = MAX_RETRY;
            }
            if (retry.toMillis() < 100) {
                retry = left.isNegative() ? Duration.ofSeconds(1) : Duration.ofMillis(100);
            }
            LOG.warn("certificate renewal for {} failed ({}); retrying in {}, certificate expires {}", old.spiffeId(),
                    e.getMessage(), retry, old.notAfter());
            if (!renewer.isShutdown()) {
                renewer.schedule(this::renew, retry.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** For the admin page {@code /certs}. */
    public String statusJson() {
        WorkloadCertificate c = current.certificate();
        return "{\"spiffeId\":\"" + c.spiffeId() + "\",\"notBefore\":\"" + c.notBefore() + "\",\"notAfter\":\""
                + c.notAfter() + "\",\"serial\":\"" + c.chain().getFirst().getSerialNumber().toString(16)
                + "\",\"rotations\":" + rotations.get() + ",\"trustedRoots\":" + c.trustBundle().size() + "}\n";
    }

    @Override
    public void close() {
        renewer.shutdownNow();
    }
}
