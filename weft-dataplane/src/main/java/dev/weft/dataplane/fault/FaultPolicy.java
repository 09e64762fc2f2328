package dev.weft.dataplane.fault;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A route's fault injection (Envoy {@code HTTPFault} in the route's {@code typed_per_filter_config}): delay some
 * requests before they are forwarded, answer some locally with an error. Delay and abort are drawn independently,
 * per request, as in Envoy; a request may be delayed and then aborted.
 *
 * @param delay null when the route injects no delay
 * @param abort null when the route injects no abort
 */
public record FaultPolicy(Delay delay, Abort abort) {
    /** The filter's name in listeners and in a route's {@code typed_per_filter_config}. */
    public static final String FILTER = "envoy.filters.http.fault";
    /** Percentages are held in parts per million, Envoy's finest {@code FractionalPercent}. */
    public static final int MILLION = 1_000_000;

    /** @param partsPerMillion how many requests in a million are delayed */
    public record Delay(long millis, int partsPerMillion) {
        public boolean draw() {
            return FaultPolicy.draw(partsPerMillion);
        }
    }

    /**
     * @param httpStatus the status to answer with; for a gRPC abort, what a plain HTTP client gets (UNAVAILABLE: 503)
     * @param grpcStatus the {@code grpc-status} a gRPC client gets, or -1 for an HTTP abort (then gRPC's mapping of
     *                   {@code httpStatus} applies)
     */
    public record Abort(int httpStatus, int grpcStatus, int partsPerMillion) {
        public boolean draw() {
            return FaultPolicy.draw(partsPerMillion);
        }
    }

    private static boolean draw(int partsPerMillion) {
        return partsPerMillion >= MILLION
                || partsPerMillion > 0 && ThreadLocalRandom.current().nextInt(MILLION) < partsPerMillion;
    }
}
