package dev.weft.cli.demo;

import java.util.Map;
import java.util.TreeMap;

/** Tally of page loads by reviews version, printed as bars. */
final class PageCounts {
    private final Map<String, Integer> byVersion = new TreeMap<>();
    private int failed;
    private String lastError;

    synchronized void add(PageResult result) {
        if (result.ok()) {
            byVersion.merge(result.reviewsVersion(), 1, Integer::sum);
        } else {
            failed++;
            lastError = result.error();
        }
    }

    synchronized int total() {
        return byVersion.values().stream().mapToInt(Integer::intValue).sum() + failed;
    }

    synchronized int count(String version) {
        return byVersion.getOrDefault(version, 0);
    }

    synchronized int failed() {
        return failed;
    }

    synchronized String lastError() {
        return lastError;
    }

    /** One line per version: {@code reviews v1  ██████████  103  (51.5%)}, then failures if any. */
    synchronized String bars(String indent) {
        int total = total();
        StringBuilder out = new StringBuilder();
        for (String version : new String[]{"v1", "v2", "v3"}) {
            int n = count(version);
            double share = total == 0 ? 0 : 100.0 * n / total;
            out.append(indent).append(String.format("reviews %s  %-40s %5d  (%5.1f%%)%n", version,
                    "█".repeat((int) Math.round(share * 0.4)), n, share));
        }
        if (failed > 0) {
            out.append(indent).append(String.format("failed      %d (last: %s)%n", failed, lastError));
        }
        return out.toString();
    }

    /** Compact: {@code v1 103 · v2 0 · v3 97 · failed 0}. */
    synchronized String summary() {
        return String.format("v1 %d · v2 %d · v3 %d · failed %d", count("v1"), count("v2"), count("v3"), failed);
    }
}
