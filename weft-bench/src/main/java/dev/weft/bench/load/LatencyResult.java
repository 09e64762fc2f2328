package dev.weft.bench.load;

/**
 * One constant-rate phase. Latencies are in milliseconds and coordinated-omission corrected: each request's latency
 * is measured from when the schedule said it should be sent, so a stall delays (and counts against) every request
 * queued behind it. {@code serviceP50Ms}/{@code serviceP99Ms} are measured from the actual send, for comparison.
 *
 * @param errors non-2xx answers and requests lost to closed connections
 * @param timeouts requests still unanswered when the phase's grace period ended
 */
public record LatencyResult(int targetRate, double achievedRate, long requests, long errors, long timeouts,
                            double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs,
                            double serviceP50Ms, double serviceP99Ms) {}
