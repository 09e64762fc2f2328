package dev.weft.bench;

import java.util.List;
import java.util.Map;

/**
 * One target's results over all runs.
 *
 * @param unavailable why the target could not be measured, or null
 * @param figures named figures (see docs/benchmarks.md), each the median over runs with its range
 * @param rssIdleKb resident memory of the proxy processes after start-up, before any load
 * @param readySeconds from proxy process start until a request first reached the backend through it
 * @param failedRuns runs in which the target could not be measured, with the reason
 */
public record TargetSummary(String name, String description, String unavailable, int proxyProcesses,
                            double readySeconds, long rssIdleKb, Map<String, Spread> figures,
                            List<RunMeasurement> runs, List<String> failedRuns) {}
