package dev.weft.controlplane.ca;

import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What the CA did, under istiod's {@code citadel_server_*} names so Istio's dashboards and alerts work: certificate
 * requests, issued certificates, failures by reason, and the root's expiry; plus what Istio has no metric for —
 * failures as one labelled counter and how long issuing took. Thread-safe; recording takes no lock.
 */
public final class CaMetrics {
    /** Why a certificate request was refused. */
    public enum Failure {
        /** Missing, expired or forged join token, or a renewal that does not prove the current certificate. */
        BAD_TOKEN("citadel_server_authentication_failure_count"),
        /** The body is not a PEM certificate request. */
        BAD_CSR("citadel_server_csr_parsing_err_count"),
        /** The request parsed but cannot be signed: its signature does not verify, or the identity is foreign. */
        CSR_REJECTED("citadel_server_csr_sign_err_count");

        private final String istioCounter;

        Failure(String istioCounter) {
            this.istioCounter = istioCounter;
        }

        String reason() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Seconds; issuing is a signature (milliseconds) unless the machine is starved. */
    static final double[] DURATION_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

    private final LongAdder requests = new LongAdder();
    private final LongAdder issued = new LongAdder();
    private final Map<Failure, LongAdder> failures = new EnumMap<>(Failure.class);
    private final LongAdder[] durationBuckets = new LongAdder[DURATION_BUCKETS.length + 1];
    private final DoubleAdder durationSum = new DoubleAdder();
    private final Supplier<CertificateAuthority> ca;

    public CaMetrics(Supplier<CertificateAuthority> ca) {
        this.ca = ca;
        for (Failure f : Failure.values()) {
            failures.put(f, new LongAdder());
        }
        for (int i = 0; i < durationBuckets.length; i++) {
            durationBuckets[i] = new LongAdder();
        }
    }

    /** A certificate request arrived. */
    public void onRequest() {
        requests.increment();
    }

    /** A certificate was issued, {@code nanos} after its request arrived. */
    public void onIssued(long nanos) {
        issued.increment();
        double seconds = nanos / 1e9;
        int i = 0;
        while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) {
            i++;
        }
        durationBuckets[i].increment();
        durationSum.add(seconds);
    }

    public void onFailure(Failure failure) {
        failures.get(failure).increment();
    }

    public long issued() {
        return issued.sum();
    }

    public long failures(Failure failure) {
        return failures.get(failure).sum();
    }

    /** Appends the CA's metrics in Prometheus text format. */
    public void writePrometheus(StringBuilder out) {
        counter(out, "citadel_server_csr_count", "Certificate signing requests received.", requests.sum());
        counter(out, "citadel_server_success_cert_issuance_count", "Certificates issued.", issued.sum());
        counter(out, Failure.BAD_TOKEN.istioCounter, "Certificate requests refused: the caller could not be "
                + "authenticated (join token or current certificate).", failures(Failure.BAD_TOKEN));
        counter(out, Failure.BAD_CSR.istioCounter, "Certificate requests whose CSR could not be parsed.",
                failures(Failure.BAD_CSR));
        counter(out, Failure.CSR_REJECTED.istioCounter, "Certificate requests that could not be signed.",
                failures(Failure.CSR_REJECTED));
        type(out, "weft_ca_issuance_failures_total", "counter", "Certificate requests refused, by reason.");
        for (Failure f : Failure.values()) {
            out.append("weft_ca_issuance_failures_total{reason=\"").append(f.reason()).append("\"} ")
                    .append(failures(f)).append('\n');
        }
        type(out, "weft_ca_issuance_duration_seconds", "histogram",
                "Seconds from a certificate request arriving to its certificate being issued.");
        long cumulative = 0;
        for (int i = 0; i < durationBuckets.length; i++) {
            cumulative += durationBuckets[i].sum();
            out.append("weft_ca_issuance_duration_seconds_bucket{le=\"")
                    .append(i < DURATION_BUCKETS.length ? Double.toString(DURATION_BUCKETS[i]) : "+Inf").append("\"} ")
                    .append(cumulative).append('\n');
        }
        out.append("weft_ca_issuance_duration_seconds_sum ").append(durationSum.sum()).append('\n');
        out.append("weft_ca_issuance_duration_seconds_count ").append(cumulative).append('\n');
        CertificateAuthority authority = ca.get();
        if (authority != null) {
            type(out, "citadel_server_root_cert_expiry_timestamp", "gauge",
                    "Unix time (seconds) when the first root of the trust bundle expires.");
            long rootExpiry = Long.MAX_VALUE;
            for (X509Certificate root : authority.trustBundle()) {
                rootExpiry = Math.min(rootExpiry, root.getNotAfter().getTime() / 1000);
            }
            out.append("citadel_server_root_cert_expiry_timestamp ").append(rootExpiry).append('\n');
            type(out, "citadel_server_cert_chain_expiry_timestamp", "gauge",
                    "Unix time (seconds) when the CA's signing certificate expires.");
            out.append("citadel_server_cert_chain_expiry_timestamp ")
                    .append(authority.signingCertificate().getNotAfter().getTime() / 1000).append('\n');
        }
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        type(out, name, "counter", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void type(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }
}
