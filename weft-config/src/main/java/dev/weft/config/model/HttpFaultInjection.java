package dev.weft.config.model;

import java.time.Duration;

/** Istio {@code HTTPFaultInjection}: delay and/or abort a share of a route's requests (applied by the calling sidecar). */
public record HttpFaultInjection(Delay delay, Abort abort) {
    public record Delay(Duration fixedDelay, Percent percentage, Integer percent) {}

    public record Abort(Integer httpStatus, String grpcStatus, String http2Error, Percent percentage) {}
}
