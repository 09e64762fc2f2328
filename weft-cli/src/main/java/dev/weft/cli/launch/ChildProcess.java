package dev.weft.cli.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code weft} child process whose output goes to a log file. */
public final class ChildProcess {
    private final String name;
    private final List<String> command;
    private final Process process;
    private final Path logFile;

    ChildProcess(String name, List<String> command, Process process, Path logFile) {
        this.name = name;
        this.command = List.copyOf(command);
        this.process = process;
        this.logFile = logFile;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public Path logFile() {
        return logFile;
    }

    public List<String> command() {
        return command;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Asks the process to stop (SIGTERM, so its shutdown hooks run), then kills it and its descendants if it lingers. */
    public void stop(Duration grace) {
        if (process.isAlive()) {
            process.destroy();
            try {
                process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        kill();
    }

    /** SIGKILL, for this process and anything it started: nothing may outlive the parent. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of the log, to explain a failure. */
    public String tail(int lines) {
        try {
            if (!Files.exists(logFile)) {
                return "";
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + (process.isAlive() ? "" : ", exited " + process.exitValue()) + ", log " + logFile + ")";
    }
}
