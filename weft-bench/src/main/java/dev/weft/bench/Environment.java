package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the numbers were measured on, for the report: they mean little without it. */
final class Environment {
    private Environment() {}

    static Map<String, String> describe() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("cpu", cpuModel());
        env.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        env.put("nginx", firstLine("nginx", "-v"));
        env.put("haproxy", firstLine("haproxy", "-v"));
        env.put("wrk", firstLine("wrk", "-v"));
        env.put("commit", firstLine("git", "describe", "--always", "--dirty"));
        return env;
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    private static String firstLine(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            int nl = out.indexOf('\n');
            return nl < 0 ? out : out.substring(0, nl);
        } catch (IOException e) {
            return "not installed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
