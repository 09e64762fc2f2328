package dev.weft.bench.load;

/**
 * One closed-loop saturation phase (wrk).
 *
 * @param errors socket errors plus non-2xx/3xx answers as wrk counts them
 */
public record ThroughputResult(double requestsPerSecond, long requests, double seconds, long errors,
                               double p50Ms, double p99Ms) {}
