package dev.weft.controlplane.generator;

import com.google.protobuf.util.Durations;
import dev.weft.config.model.HttpFaultInjection;
import dev.weft.config.model.Percent;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

import java.util.List;

/**
 * VirtualService {@code http[].fault} → Envoy's {@code HTTPFault}, set per route as the fault filter's
 * {@code typed_per_filter_config} (the filter itself sits, unconfigured, before the router of every outbound
 * connection manager, as Istio does). Percentages become parts per million so 0.0001% survives.
 */
final class FaultInjectionTranslator {
    static final String FILTER = "envoy.filters.http.fault";

    /** gRPC status codes by name, in code order (grpc/status/code.proto). */
    static final List<String> GRPC_CODES = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
            "DATA_LOSS", "UNAUTHENTICATED");

    private FaultInjectionTranslator() {}

    /** The route's fault config; the YAML was validated, so exactly one abort code is set. */
    static HTTPFault translate(HttpFaultInjection fault) {
        HTTPFault.Builder out = HTTPFault.newBuilder();
        if (fault.delay() != null) {
            out.setDelay(FaultDelay.newBuilder()
                    .setFixedDelay(Durations.fromNanos(fault.delay().fixedDelay().toNanos()))
                    .setPercentage(percentage(fault.delay().percentage(), fault.delay().percent())));
        }
        if (fault.abort() != null) {
            FaultAbort.Builder abort = FaultAbort.newBuilder()
                    .setPercentage(percentage(fault.abort().percentage(), null));
            if (fault.abort().httpStatus() != null) {
                abort.setHttpStatus(fault.abort().httpStatus());
            } else {
                abort.setGrpcStatus(grpcCode(fault.abort().grpcStatus()));
            }
            out.setAbort(abort);
        }
        return out.build();
    }

    /** A gRPC status by name ("UNAVAILABLE") or number ("14"). */
    static int grpcCode(String status) {
        int byName = GRPC_CODES.indexOf(status);
        return byName >= 0 ? byName : Integer.parseInt(status);
    }

    /**
     * {@code percentage} wins over the deprecated integer {@code percent}; with neither the fault applies to every
     * request (Istio's reading of an unset percentage).
     */
    private static FractionalPercent percentage(Percent percentage, Integer percent) {
        double value = percentage != null && percentage.value() != null ? percentage.value()
                : percent != null ? percent : 100.0;
        return FractionalPercent.newBuilder()
                .setNumerator((int) Math.round(value * 10_000))
                .setDenominator(FractionalPercent.DenominatorType.MILLION)
                .build();
    }
}
