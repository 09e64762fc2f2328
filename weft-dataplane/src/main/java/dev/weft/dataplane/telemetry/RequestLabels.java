package dev.weft.dataplane.telemetry;

/**
 * The label set of Istio's HTTP/gRPC request metrics for one kind of request. A record so it can key a map; its
 * parts are interned strings and {@link Workload}s with cached hashes, so building and looking one up is cheap.
 *
 * @param reporter {@code source} (the client-side sidecar) or {@code destination} (the server-side one)
 * @param destinationService the service host, e.g. {@code reviews.default.svc.cluster.local}
 * @param requestProtocol {@code http} or {@code grpc}
 * @param responseCode 0 when no response was sent (the downstream went away first)
 * @param grpcStatus the grpc-status code as text, or {@code -} for non-gRPC requests
 * @param responseFlags Envoy's flag names, or {@code -}
 * @param securityPolicy {@code mutual_tls} or {@code none} on the destination side; {@code unknown} on the source
 *                       side (Istio's convention)
 */
public record RequestLabels(String reporter, Workload source, String sourcePrincipal, Workload destination,
                            String destinationPrincipal, String destinationService, String destinationServiceName,
                            String destinationServiceNamespace, String requestProtocol, int responseCode,
                            String grpcStatus, String responseFlags, String securityPolicy) {
    public static final String SOURCE = "source";
    public static final String DESTINATION = "destination";

    /** Where label sets past the series bound are counted: only the reporter and the response code are kept. */
    static RequestLabels overflow(RequestLabels l) {
        return new RequestLabels(l.reporter, Workload.UNKNOWN_WORKLOAD, Workload.UNKNOWN, Workload.UNKNOWN_WORKLOAD,
                Workload.UNKNOWN, "overflow", "overflow", Workload.UNKNOWN, l.requestProtocol, l.responseCode, "-",
                "-", Workload.UNKNOWN);
    }

    /** The Prometheus label text, in Istio's label order (rendered once per series). */
    String render() {
        return render(false);
    }

    /**
     * As {@link #render()}; {@code tcp}: the label set of Istio's TCP metrics, which have no {@code response_code}
     * and {@code grpc_response_status}.
     */
    String render(boolean tcp) {
        StringBuilder sb = new StringBuilder(512);
        PrometheusText.label(sb, "reporter", reporter);
        PrometheusText.label(sb, "source_workload", source.name());
        PrometheusText.label(sb, "source_canonical_service", source.canonicalService());
        PrometheusText.label(sb, "source_canonical_revision", source.canonicalRevision());
        PrometheusText.label(sb, "source_workload_namespace", source.namespace());
        PrometheusText.label(sb, "source_principal", sourcePrincipal);
        PrometheusText.label(sb, "source_app", source.app());
        PrometheusText.label(sb, "source_version", source.version());
        PrometheusText.label(sb, "destination_workload", destination.name());
        PrometheusText.label(sb, "destination_workload_namespace", destination.namespace());
        PrometheusText.label(sb, "destination_principal", destinationPrincipal);
        PrometheusText.label(sb, "destination_app", destination.app());
        PrometheusText.label(sb, "destination_version", destination.version());
        PrometheusText.label(sb, "destination_service", destinationService);
        PrometheusText.label(sb, "destination_canonical_service", destination.canonicalService());
        PrometheusText.label(sb, "destination_canonical_revision", destination.canonicalRevision());
        PrometheusText.label(sb, "destination_service_name", destinationServiceName);
        PrometheusText.label(sb, "destination_service_namespace", destinationServiceNamespace);
        PrometheusText.label(sb, "request_protocol", requestProtocol);
        if (!tcp) {
            PrometheusText.label(sb, "response_code", Integer.toString(responseCode));
            PrometheusText.label(sb, "grpc_response_status", grpcStatus);
        }
        PrometheusText.label(sb, "response_flags", responseFlags);
        PrometheusText.label(sb, "connection_security_policy", securityPolicy);
        return sb.toString();
    }
}
