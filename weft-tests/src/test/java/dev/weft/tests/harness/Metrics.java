package dev.weft.tests.harness;

import java.io.IOException;

/** Reads counters from a sidecar's {@code /stats/prometheus}. */
public final class Metrics {
    private Metrics() {}

    /** The sidecar's Prometheus text. */
    public static String scrape(Workload workload) throws IOException, InterruptedException {
        return Mesh.plainGet(workload.sidecar().adminUrl("/stats/prometheus")).body();
    }

    /** The sum of the samples of {@code name} whose label text contains every one of {@code labels}. */
    public static long sum(String text, String name, String... labels) {
        long total = 0;
        for (String line : text.lines().toList()) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
