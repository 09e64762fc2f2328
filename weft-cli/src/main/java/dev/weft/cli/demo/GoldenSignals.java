package dev.weft.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The golden signals of a mesh, read from its sidecars' {@code /stats/prometheus} pages: per destination service,
 * the requests its sidecars served, the share that failed (5xx or no response), and latency percentiles estimated
 * from Istio's duration histogram the way PromQL's {@code histogram_quantile} does. Counts only
 * {@code reporter="destination"} series, so a request crossing two sidecars is counted once. gRPC services also show
 * their calls by {@code grpc_response_status} (an HTTP 200 can carry a failed call: the status is in the trailers).
 */
public final class GoldenSignals {
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{(.*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** gRPC status names by code, as grpc_response_status carries them. */
    private static final String[] GRPC_CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
            "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
            "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

    /**
     * One service's signals.
     *
     * @param grpcStatuses calls by grpc_response_status code (empty for a service with no gRPC traffic)
     */
    public record Service(String name, long requests, long errors, double p50Millis, double p99Millis,
                          Map<String, Long> grpcStatuses) {
        public double errorRate() {
            return requests == 0 ? 0 : (double) errors / requests;
        }
    }

    private final Map<String, long[]> counts = new TreeMap<>(); // service -> {requests, errors}
    private final Map<String, TreeMap<Double, Long>> buckets = new TreeMap<>(); // service -> le -> cumulative
    private final Map<String, Map<String, Long>> grpc = new TreeMap<>(); // service -> grpc status code -> calls

    /** Adds one sidecar's page. */
    public GoldenSignals add(String prometheusText) {
        for (String line : prometheusText.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String metric = m.group(1);
            if (!metric.equals("istio_requests_total") && !metric.equals("istio_request_duration_milliseconds_bucket")) {
                continue;
            }
            Map<String, String> labels = labels(m.group(2));
            if (!"destination".equals(labels.get("reporter"))) {
                continue;
            }
            String service = labels.getOrDefault("destination_service_name", "unknown");
            long value = (long) Double.parseDouble(m.group(3));
            if (metric.equals("istio_requests_total")) {
                long[] c = counts.computeIfAbsent(service, k -> new long[2]);
                c[0] += value;
                String code = labels.getOrDefault("response_code", "0");
                String grpcStatus = labels.getOrDefault("grpc_response_status", "");
                if (code.startsWith("5") || code.equals("0") || isGrpcServerError(grpcStatus)) {
                    c[1] += value;
                }
                if (!grpcStatus.isEmpty() && grpcStatus.chars().allMatch(Character::isDigit)) { // "-": not gRPC
                    grpc.computeIfAbsent(service, k -> new TreeMap<>(java.util.Comparator.comparingInt(Integer::parseInt)))
                            .merge(grpcStatus, value, Long::sum);
                }
            } else {
                String le = labels.get("le");
                double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                buckets.computeIfAbsent(service, k -> new TreeMap<>()).merge(bound, value, Long::sum);
            }
        }
        return this;
    }

    /**
     * Statuses that mean the server failed, as an HTTP 5xx would (gRPC's own guidance for what to count as errors):
     * UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS. A client mistake is not an error.
     */
    private static boolean isGrpcServerError(String status) {
        return switch (status) {
            case "2", "4", "12", "13", "14", "15" -> true;
            default -> false;
        };
    }

    /** {@code OK 812}, {@code OK 800 · UNAVAILABLE 12}; "-" without gRPC calls. */
    static String grpcSummary(Map<String, Long> statuses) {
        if (statuses.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        statuses.forEach((code, n) -> {
            int c = Integer.parseInt(code);
            sb.append(sb.isEmpty() ? "" : " · ").append(c >= 0 && c < GRPC_CODES.length ? GRPC_CODES[c] : code)
                    .append(' ').append(n);
        });
        return sb.toString();
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> out = new TreeMap<>();
        Matcher m = LABEL.matcher(text);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    public List<Service> services() {
        List<Service> out = new ArrayList<>();
        counts.forEach((name, c) -> out.add(new Service(name, c[0], c[1], quantile(name, 0.5), quantile(name, 0.99),
                grpc.getOrDefault(name, Map.of()))));
        return out;
    }

    /** Linear interpolation inside the bucket holding the quantile, as Prometheus' histogram_quantile. */
    double quantile(String service, double q) {
        TreeMap<Double, Long> b = buckets.get(service);
        if (b == null || b.isEmpty() || b.lastEntry().getValue() == 0) {
            return Double.NaN;
        }
        double rank = q * b.lastEntry().getValue();
        double lowerBound = 0;
        long lowerCount = 0;
        for (Map.Entry<Double, Long> e : b.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound; // beyond the last finite bucket: its bound is the best estimate
                }
                long inBucket = e.getValue() - lowerCount;
                return inBucket == 0 ? e.getKey()
                        : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return lowerBound;
    }

    /** A small table: service, requests, error rate, p50, p99, gRPC statuses. */
    public String table(String indent) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s%-14s %9s %8s %10s %10s   %s%n", indent, "service", "requests", "errors", "p50 ms",
                "p99 ms", "grpc_response_status"));
        for (Service s : services()) {
            sb.append(String.format("%s%-14s %9d %7.1f%% %10.1f %10.1f   %s%n", indent, s.name(), s.requests(),
                    100 * s.errorRate(), s.p50Millis(), s.p99Millis(), grpcSummary(s.grpcStatuses())));
        }
        return sb.toString();
    }
}
