package dev.weft.bench;

import dev.weft.bench.load.LatencyResult;
import dev.weft.bench.load.ThroughputResult;

/**
 * Everything measured for one target in one run.
 *
 * @param cpuSecondsPer1kAtRate proxy CPU (user + system) during the constant-rate phase per 1,000 requests
 *     answered; numerically the vCPU needed per 1,000 req/s. NaN for direct.
 * @param cpuSecondsPer1kAtMax the same during the saturation phase
 * @param rssAtRateKb peak resident memory of the proxy processes during the constant-rate phase
 * @param rssAtMaxKb peak during the saturation phase
 */
public record RunMeasurement(String target, int run, LatencyResult latency, ThroughputResult throughput,
                             double cpuSecondsPer1kAtRate, double cpuSecondsPer1kAtMax, long rssAtRateKb,
                             long rssAtMaxKb) {}
