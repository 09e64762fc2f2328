package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and resident memory of process trees, read from /proc. A tree is a root process plus its live
 * descendants (nginx's workers; a JVM is one process whose stat line already sums all its threads).
 */
public final class ProcessStats {
    /** Clock ticks per second for utime/stime; 100 on every Linux kernel configuration in common use. */
    private static final double TICKS_PER_SECOND = ticksPerSecond();

    private ProcessStats() {}

    /** utime + stime of the trees, in seconds. */
    public static double cpuSeconds(List<ProcessHandle> roots) {
        long ticks = 0;
        for (ProcessHandle pid : expand(roots)) {
            ticks += cpuTicks(pid.pid());
        }
        return ticks / TICKS_PER_SECOND;
    }

    /**
     * utime + stime of the JIT compiler threads of the trees (HotSpot names them "C1 CompilerThreadN" and
     * "C2 CompilerThreadN", truncated by the kernel to 15 characters), in seconds; 0 for processes that are not JVMs.
     */
    public static double compilerCpuSeconds(List<ProcessHandle> roots) {
        long ticks = 0;
        for (ProcessHandle pid : expand(roots)) {
            try (var tasks = Files.list(Path.of("/proc", Long.toString(pid.pid()), "task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    String stat = read(task.resolve("stat"));
                    if (stat != null && isCompilerThread(stat)) {
                        ticks += ticksOf(stat);
                    }
                }
            } catch (IOException e) {
                // exited while being listed: its threads no longer count
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    static boolean isCompilerThread(String stat) {
        int open = stat.indexOf('(');
        return open >= 0 && stat.startsWith("C", open + 1) && stat.startsWith(" CompilerThre", open + 3);
    }

    /** Sum of VmRSS of the trees, in kB (shared pages of forked workers are counted once per process). */
    public static long rssKb(List<ProcessHandle> roots) {
        long kb = 0;
        for (ProcessHandle pid : expand(roots)) {
            kb += rssKb(pid.pid());
        }
        return kb;
    }

    static List<ProcessHandle> expand(List<ProcessHandle> roots) {
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle root : roots) {
            if (root.isAlive()) {
                all.add(root);
                root.descendants().forEach(all::add);
            }
        }
        return all;
    }

    static long cpuTicks(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return 0; // exited between listing and reading
        }
        return ticksOf(stat);
    }

    private static long ticksOf(String stat) {
        // The command name (field 2) may contain spaces: fields after it start past the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static long rssKb(long pid) {
        String status = read(Path.of("/proc", Long.toString(pid), "status"));
        if (status == null) {
            return 0;
        }
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            return null;
        }
    }

    private static double ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Double.parseDouble(out);
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
