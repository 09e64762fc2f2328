package dev.weft.config.model;

import java.time.Duration;

/** Istio {@code HTTPFaultInjection}. Parsed and validated; applied by the data plane in a later issue. */
public record HttpFaultInjection(Delay delay, Abort abort) {
    public record Delay(Duration fixedDelay, Percent percentage, Integer percent) {}

    public record Abort(Integer httpStatus, String grpcStatus, String http2Error, Percent percentage) {}
}
