package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Every process the harness starts goes through here, so one close (or the JVM's shutdown hook, on Ctrl-C or when
 * the time budget runs out) ends them all, newest first.
 */
public final class ProcessRegistry implements AutoCloseable {
    private final Path logDir;
    private final Deque<ManagedProcess> started = new ArrayDeque<>();
    private final Thread hook = new Thread(this::closeAll, "bench-cleanup");

    public ProcessRegistry(Path logDir) {
        this.logDir = logDir;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public synchronized ManagedProcess start(String name, List<String> command) throws IOException {
        ManagedProcess p = ManagedProcess.start(name, command, logDir);
        started.push(p);
        return p;
    }

    public Path logDir() {
        return logDir;
    }

    private synchronized void closeAll() {
        while (!started.isEmpty()) {
            started.pop().close();
        }
    }

    @Override
    public void close() {
        closeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or ran
        }
    }
}
