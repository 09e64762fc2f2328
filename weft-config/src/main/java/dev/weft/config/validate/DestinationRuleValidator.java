package dev.weft.config.validate;

import dev.weft.config.load.FieldPath;
import dev.weft.config.model.ClientTlsSettings;
import dev.weft.config.model.ConnectionPoolSettings;
import dev.weft.config.model.ConsistentHashLb;
import dev.weft.config.model.DestinationRuleSpec;
import dev.weft.config.model.LoadBalancerSettings;
import dev.weft.config.model.OutlierDetection;
import dev.weft.config.model.Subset;
import dev.weft.config.model.TrafficPolicy;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Checks one DestinationRule on its own. */
final class DestinationRuleValidator {
    private static final long MAX_RING_SIZE = 8_388_608L;

    private DestinationRuleValidator() {}

    static void validate(DestinationRuleSpec spec, Reporter r) {
        FieldPath s = FieldPath.of("spec");
        Checks.host(r, s.field("host"), spec.host(), true);
        trafficPolicy(spec.trafficPolicy(), s.field("trafficPolicy"), r, true);
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < spec.subsets().size(); i++) {
            Subset subset = spec.subsets().get(i);
            FieldPath at = s.field("subsets").index(i);
            Checks.dnsLabel(r, at.field("name"), "subset name", subset.name());
            if (subset.name() != null && !subset.name().isEmpty()) {
                Integer first = names.putIfAbsent(subset.name(), i);
                if (first != null) {
                    r.error(at.field("name"), "duplicate subset name \"" + subset.name() + "\" (also subsets[" + first + "])");
                }
            }
            if (subset.labels().isEmpty()) {
                r.error(at.field("labels"), "labels are required: a subset selects endpoints by labels");
            }
            Checks.labels(r, at.field("labels"), subset.labels());
            trafficPolicy(subset.trafficPolicy(), at.field("trafficPolicy"), r, true);
        }
        Checks.exportTo(r, s.field("exportTo"), spec.exportTo());
        if (spec.workloadSelector() != null) {
            Checks.labels(r, s.field("workloadSelector").field("labels"), spec.workloadSelector().labels());
        }
    }

    private static void trafficPolicy(TrafficPolicy tp, FieldPath at, Reporter r, boolean portLevelAllowed) {
        if (tp == null) {
            return;
        }
        loadBalancer(tp.loadBalancer(), at.field("loadBalancer"), r);
        connectionPool(tp.connectionPool(), at.field("connectionPool"), r);
        outlierDetection(tp.outlierDetection(), at.field("outlierDetection"), r);
        tls(tp.tls(), at.field("tls"), r);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < tp.portLevelSettings().size(); i++) {
            var pl = tp.portLevelSettings().get(i);
            FieldPath p = at.field("portLevelSettings").index(i);
            if (pl.port() == null) {
                r.error(p.field("port"), "port is required");
            } else {
                Checks.requiredPort(r, p.field("port").field("number"), pl.port().number());
                if (pl.port().number() != null && !ports.add(pl.port().number())) {
                    r.error(p.field("port").field("number"), "duplicate port " + pl.port().number());
                }
            }
            loadBalancer(pl.loadBalancer(), p.field("loadBalancer"), r);
            connectionPool(pl.connectionPool(), p.field("connectionPool"), r);
            outlierDetection(pl.outlierDetection(), p.field("outlierDetection"), r);
            tls(pl.tls(), p.field("tls"), r);
        }
    }

    private static void loadBalancer(LoadBalancerSettings lb, FieldPath at, Reporter r) {
        if (lb == null) {
            return;
        }
        if (lb.simple() != null && lb.consistentHash() != null) {
            r.error(at, "simple and consistentHash cannot both be set");
        }
        if (lb.warmupDurationSecs() != null && lb.warmupDurationSecs().isNegative()) {
            r.error(at.field("warmupDurationSecs"), "must not be negative");
        }
        ConsistentHashLb ch = lb.consistentHash();
        if (ch == null) {
            return;
        }
        FieldPath cp = at.field("consistentHash");
        int keys = 0;
        if (ch.httpHeaderName() != null) {
            keys++;
            if (ch.httpHeaderName().isEmpty()) {
                r.error(cp.field("httpHeaderName"), "httpHeaderName is empty");
            } else {
                Checks.headerName(r, cp.field("httpHeaderName"), ch.httpHeaderName());
            }
        }
        if (ch.httpCookie() != null) {
            keys++;
            if (ch.httpCookie().name() == null || ch.httpCookie().name().isEmpty()) {
                r.error(cp.field("httpCookie").field("name"), "cookie name is required");
            }
            if (ch.httpCookie().ttl() != null && ch.httpCookie().ttl().isNegative()) {
                r.error(cp.field("httpCookie").field("ttl"), "ttl must not be negative");
            }
        }
        if (Boolean.TRUE.equals(ch.useSourceIp())) {
            keys++;
        }
        if (ch.httpQueryParameterName() != null) {
            keys++;
            if (ch.httpQueryParameterName().isEmpty()) {
                r.error(cp.field("httpQueryParameterName"), "httpQueryParameterName is empty");
            }
        }
        if (keys != 1) {
            r.error(cp, "consistentHash needs exactly one of httpHeaderName, httpCookie, useSourceIp: true, "
                    + "httpQueryParameterName; found " + keys);
        }
        if (ch.ringHash() != null && ch.maglev() != null) {
            r.error(cp, "ringHash and maglev cannot both be set");
        }
        if (ch.minimumRingSize() != null && (ch.ringHash() != null || ch.maglev() != null)) {
            r.error(cp.field("minimumRingSize"), "minimumRingSize (deprecated) cannot be combined with ringHash or maglev");
        }
        ringSize(ch.minimumRingSize(), cp.field("minimumRingSize"), r);
        if (ch.ringHash() != null) {
            ringSize(ch.ringHash().minimumRingSize(), cp.field("ringHash").field("minimumRingSize"), r);
        }
        if (ch.maglev() != null && ch.maglev().tableSize() != null) {
            long size = ch.maglev().tableSize();
            if (size < 1 || size > 5_000_011L || !isPrime(size)) {
                r.error(cp.field("maglev").field("tableSize"), "tableSize must be a prime number up to 5000011, got " + size);
            }
        }
    }

    private static void ringSize(Long size, FieldPath at, Reporter r) {
        if (size != null && (size < 1 || size > MAX_RING_SIZE)) {
            r.error(at, "minimumRingSize must be between 1 and " + MAX_RING_SIZE + ", got " + size);
        }
    }

    private static boolean isPrime(long n) {
        if (n < 2) {
            return false;
        }
        for (long d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    private static void connectionPool(ConnectionPoolSettings cp, FieldPath at, Reporter r) {
        if (cp == null) {
            return;
        }
        if (cp.tcp() != null) {
            FieldPath p = at.field("tcp");
            Checks.nonNegative(r, p.field("maxConnections"), cp.tcp().maxConnections());
            Checks.atLeastMillisecond(r, p.field("connectTimeout"), cp.tcp().connectTimeout());
            Checks.atLeastMillisecond(r, p.field("maxConnectionDuration"), cp.tcp().maxConnectionDuration());
            if (cp.tcp().tcpKeepalive() != null) {
                Checks.nonNegative(r, p.field("tcpKeepalive").field("probes"), cp.tcp().tcpKeepalive().probes());
            }
        }
        if (cp.http() != null) {
            FieldPath p = at.field("http");
            Checks.nonNegative(r, p.field("http1MaxPendingRequests"), cp.http().http1MaxPendingRequests());
            Checks.nonNegative(r, p.field("http2MaxRequests"), cp.http().http2MaxRequests());
            Checks.nonNegative(r, p.field("maxRequestsPerConnection"), cp.http().maxRequestsPerConnection());
            Checks.nonNegative(r, p.field("maxRetries"), cp.http().maxRetries());
            Checks.nonNegative(r, p.field("maxConcurrentStreams"), cp.http().maxConcurrentStreams());
        }
    }

    private static void outlierDetection(OutlierDetection od, FieldPath at, Reporter r) {
        if (od == null) {
            return;
        }
        Checks.nonNegative(r, at.field("consecutiveErrors"), od.consecutiveErrors());
        Checks.nonNegative(r, at.field("consecutiveGatewayErrors"), od.consecutiveGatewayErrors());
        Checks.nonNegative(r, at.field("consecutive5xxErrors"), od.consecutive5xxErrors());
        Checks.nonNegative(r, at.field("consecutiveLocalOriginFailures"), od.consecutiveLocalOriginFailures());
        Checks.atLeastMillisecond(r, at.field("interval"), od.interval());
        Checks.atLeastMillisecond(r, at.field("baseEjectionTime"), od.baseEjectionTime());
        Checks.percentRange(r, at.field("maxEjectionPercent"), od.maxEjectionPercent());
        Checks.percentRange(r, at.field("minHealthPercent"), od.minHealthPercent());
    }

    private static void tls(ClientTlsSettings tls, FieldPath at, Reporter r) {
        if (tls == null) {
            return;
        }
        if (tls.mode() == null) {
            r.error(at.field("mode"), "mode is required (DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL)");
            return;
        }
        boolean files = tls.clientCertificate() != null || tls.privateKey() != null || tls.caCertificates() != null;
        switch (tls.mode()) {
            case MUTUAL -> {
                if (tls.credentialName() == null && (tls.clientCertificate() == null || tls.privateKey() == null)) {
                    r.error(at, "MUTUAL needs clientCertificate and privateKey, or credentialName");
                }
            }
            case ISTIO_MUTUAL, DISABLE -> {
                if (files || tls.credentialName() != null) {
                    r.error(at, tls.mode() + " must not set clientCertificate, privateKey, caCertificates or credentialName");
                }
            }
            case SIMPLE -> {
                if (tls.clientCertificate() != null || tls.privateKey() != null) {
                    r.error(at, "SIMPLE must not set clientCertificate or privateKey (use MUTUAL)");
                }
            }
        }
        if (tls.mode() == ClientTlsSettings.TlsMode.SIMPLE || tls.mode() == ClientTlsSettings.TlsMode.MUTUAL) {
            // origination is applied from files the sidecar reads (embedded mode: one machine, no Secret store)
            if (tls.credentialName() != null) {
                r.error(at.field("credentialName"), "Weft reads TLS material from files: use clientCertificate,"
                        + " privateKey and caCertificates (credentialName needs a Kubernetes Secret)");
            }
            if (tls.caCrl() != null) {
                r.error(at.field("caCrl"), "certificate revocation lists are not supported by Weft");
            }
            for (String f : new String[]{"clientCertificate", "privateKey", "caCertificates"}) {
                String v = switch (f) {
                    case "clientCertificate" -> tls.clientCertificate();
                    case "privateKey" -> tls.privateKey();
                    default -> tls.caCertificates();
                };
                if (v != null && !v.startsWith("/")) {
                    r.error(at.field(f), "must be an absolute file path (read by the sidecar), got \"" + v + "\"");
                }
            }
            if (Boolean.TRUE.equals(tls.insecureSkipVerify()) && (tls.caCertificates() != null
                    || !tls.subjectAltNames().isEmpty())) {
                r.error(at.field("insecureSkipVerify"), "insecureSkipVerify turns off the checks that caCertificates"
                        + " and subjectAltNames ask for; set one or the other");
            }
        }
    }
}
