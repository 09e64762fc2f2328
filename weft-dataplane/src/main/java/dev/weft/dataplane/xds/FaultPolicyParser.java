package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import dev.weft.dataplane.fault.FaultPolicy;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;

/**
 * Envoy {@code HTTPFault} → {@link FaultPolicy}. Only what Weft applies is accepted: a fixed delay and an HTTP or
 * gRPC abort, each with a percentage. Faults chosen by request headers, rate limits, header or node filters and
 * active-fault caps are NACKed rather than silently ignored.
 */
final class FaultPolicyParser {
    static final String FILTER_NAME = FaultPolicy.FILTER;
    static final String TYPE = TypedAny.url("envoy.extensions.filters.http.fault.v3.HTTPFault");

    /** The HTTP status a plain HTTP client gets for a gRPC abort, by gRPC code (Envoy's grpcToHttpStatus). */
    private static final int[] GRPC_TO_HTTP = {200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500,
            503, 500, 401};

    private FaultPolicyParser() {}

    /** A route's {@code typed_per_filter_config} entry for the fault filter; null when it configures nothing. */
    static FaultPolicy parse(Any any, Rejector reject, String path) throws ResourceRejectedException {
        if (!TYPE.equals(any.getTypeUrl())) {
            throw reject.at(path, "expected " + TYPE + ", got " + any.getTypeUrl());
        }
        HTTPFault fault = TypedAny.unpack(any, TYPE, HTTPFault.parser(), reject, path);
        checkOnlyDelayAndAbort(fault, reject, path);
        FaultPolicy.Delay delay = fault.hasDelay() ? delay(fault.getDelay(), reject, path + ".delay") : null;
        FaultPolicy.Abort abort = fault.hasAbort() ? abort(fault.getAbort(), reject, path + ".abort") : null;
        return delay == null && abort == null ? null : new FaultPolicy(delay, abort);
    }

    /** The filter's own config in a connection manager: Weft configures faults per route only. */
    static void checkListenerLevel(Any any, Rejector reject, String path) throws ResourceRejectedException {
        if (!TYPE.equals(any.getTypeUrl())) {
            throw reject.at(path, "expected " + TYPE + ", got " + any.getTypeUrl());
        }
        HTTPFault fault = TypedAny.unpack(any, TYPE, HTTPFault.parser(), reject, path);
        if (!fault.equals(HTTPFault.getDefaultInstance())) {
            throw reject.at(path, "fault injection is configured per route (typed_per_filter_config); "
                    + "a listener-wide fault config is not supported");
        }
    }

    private static void checkOnlyDelayAndAbort(HTTPFault fault, Rejector reject, String path)
            throws ResourceRejectedException {
        HTTPFault rest = fault.toBuilder().clearDelay().clearAbort().build();
        if (!rest.equals(HTTPFault.getDefaultInstance())) {
            // name the first unsupported field so the operator knows what to remove
            String field = TypedAny.firstSetField(rest);
            throw reject.at(path + "." + field, "not supported");
        }
    }

    private static FaultPolicy.Delay delay(FaultDelay d, Rejector reject, String path)
            throws ResourceRejectedException {
        if (d.getFaultDelaySecifierCase() != FaultDelay.FaultDelaySecifierCase.FIXED_DELAY) {
            throw reject.at(path, "only fixed_delay is supported, got " + d.getFaultDelaySecifierCase());
        }
        Duration fixed = RouteConfigurationParser.duration(d.getFixedDelay(), reject, path + ".fixed_delay");
        if (fixed.isZero()) {
            throw reject.at(path + ".fixed_delay", "must be greater than zero");
        }
        return new FaultPolicy.Delay(Math.max(1, fixed.toMillis()),
                partsPerMillion(d.getPercentage(), reject, path + ".percentage"));
    }

    private static FaultPolicy.Abort abort(FaultAbort a, Rejector reject, String path)
            throws ResourceRejectedException {
        int ppm = partsPerMillion(a.getPercentage(), reject, path + ".percentage");
        return switch (a.getErrorTypeCase()) {
            case HTTP_STATUS -> {
                int status = a.getHttpStatus();
                if (status < 200 || status > 599) {
                    throw reject.at(path + ".http_status", "must be between 200 and 599, got "
                            + Integer.toUnsignedString(status));
                }
                yield new FaultPolicy.Abort(status, -1, ppm);
            }
            case GRPC_STATUS -> {
                int code = a.getGrpcStatus();
                if (code < 0 || code > 16) {
                    throw reject.at(path + ".grpc_status", "not a gRPC status code: " + Integer.toUnsignedString(code));
                }
                yield new FaultPolicy.Abort(GRPC_TO_HTTP[code], code, ppm);
            }
            default -> throw reject.at(path, "only http_status or grpc_status aborts are supported, got "
                    + a.getErrorTypeCase());
        };
    }

    /** Envoy reads an unset percentage as 0/100: the fault never fires. */
    private static int partsPerMillion(FractionalPercent p, Rejector reject, String path)
            throws ResourceRejectedException {
        long scale = switch (p.getDenominator()) {
            case HUNDRED -> 10_000;
            case TEN_THOUSAND -> 100;
            case MILLION -> 1;
            default -> throw reject.at(path + ".denominator", "unknown denominator " + p.getDenominator());
        };
        long ppm = Integer.toUnsignedLong(p.getNumerator()) * scale;
        return (int) Math.min(ppm, FaultPolicy.MILLION); // Envoy caps a numerator above the denominator at 100%
    }
}
