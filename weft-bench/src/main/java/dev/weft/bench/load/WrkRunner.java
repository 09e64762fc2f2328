package dev.weft.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maximum throughput, closed loop: wrk keeps {@code connections} keep-alive connections busy for the duration and
 * reports requests per second. wrk is a C program, so the client costs far less CPU than the proxy under test.
 */
public final class WrkRunner {
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m)");
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([\\d.]+)(us|ms|s)\\s*$",
            Pattern.MULTILINE);

    private final String wrk;
    /** The wrk process running now, ended by a shutdown hook if the harness exits mid-phase. */
    private volatile Process current;

    public WrkRunner(String wrkBinary) {
        this.wrk = wrkBinary;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process p = current;
            if (p != null) {
                p.destroyForcibly();
            }
        }, "wrk-cleanup"));
    }

    public ThroughputResult run(int port, String hostHeader, int threads, int connections, Duration duration)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(wrk, "-t", Integer.toString(threads),
                "-c", Integer.toString(connections), "-d", duration.toSeconds() + "s", "--latency",
                "-H", "Host: " + hostHeader, "http://127.0.0.1:" + port + "/"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        current = process;
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
                throw new IOException("wrk did not finish: " + command);
            }
        } finally {
            process.destroyForcibly();
            current = null;
        }
        return parse(output, command);
    }

    static ThroughputResult parse(String output, List<String> command) throws IOException {
        Matcher requests = REQUESTS.matcher(output);
        Matcher rate = RATE.matcher(output);
        if (!requests.find() || !rate.find()) {
            throw new IOException("unexpected wrk output for " + String.join(" ", command) + ":\n" + output);
        }
        long errors = 0;
        Matcher socket = SOCKET_ERRORS.matcher(output);
        if (socket.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(socket.group(g));
            }
        }
        Matcher non2xx = NON_2XX.matcher(output);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher pct = PERCENTILE.matcher(output);
        while (pct.find()) {
            double ms = toMillis(Double.parseDouble(pct.group(2)), pct.group(3));
            if (pct.group(1).equals("50")) {
                p50 = ms;
            } else {
                p99 = ms;
            }
        }
        double seconds = toMillis(Double.parseDouble(requests.group(2)), requests.group(3)) / 1000.0;
        return new ThroughputResult(Double.parseDouble(rate.group(1)), Long.parseLong(requests.group(1)), seconds,
                errors, p50, p99);
    }

    private static double toMillis(double value, String unit) {
        return switch (unit) {
            case "us" -> value / 1000.0;
            case "ms" -> value;
            case "s" -> value * 1000.0;
            case "m" -> value * 60_000.0;
            default -> throw new IllegalArgumentException(unit);
        };
    }
}
