package dev.weft.controlplane.source;

import dev.weft.config.ConfigError;
import dev.weft.config.ConfigLoader;
import dev.weft.config.RequestAuthentications;
import dev.weft.config.LoadResult;
import dev.weft.config.MeshConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The embedded-mode config store: a directory of YAML files, loaded and validated as one set. It keeps the last
 * valid {@link MeshConfig} and the errors of the last rejected change. Watching reports that files changed
 * (WatchService, plus polling because editors replace files and some file systems send no events); reloading
 * is left to the caller, so it can be debounced.
 */
public final class ConfigDirectorySource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigDirectorySource.class);
    static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

    private final Path directory;
    private volatile MeshConfig current = MeshConfig.EMPTY;
    private volatile List<ConfigError> errors = List.of();
    private volatile boolean everValid;
    private volatile String reportedFingerprint = "";
    /** jwksUri files of the served config: their content is part of it (keys are sent to proxies inline). */
    private volatile List<Path> jwksFiles = List.of();
    /** The last load failed on a jwksUri: the file may be fixed without a YAML change, so polling retries. */
    private volatile boolean jwksErrorPending;
    private WatchService watchService;
    private Thread watchThread;
    private ScheduledFuture<?> poller;

    public ConfigDirectorySource(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    /** The last valid config (empty before the first valid load). */
    public MeshConfig current() {
        return current;
    }

    /** The errors of the last rejected change; empty while the files on disk are what is served. */
    public List<ConfigError> errors() {
        return errors;
    }

    /** Whether a valid config was ever loaded. */
    public boolean hasValidConfig() {
        return everValid;
    }

    /** Reads and validates the directory now. Called by one thread at a time (start-up, then the push queue). */
    public synchronized ReloadOutcome reload() {
        reportedFingerprint = fingerprint();
        LoadResult result = ConfigLoader.load(directory);
        if (!result.ok()) {
            boolean sameAsBefore = result.errors().equals(errors);
            errors = result.errors();
            jwksErrorPending = errors.stream().anyMatch(e -> e.fieldPath() != null && e.fieldPath().endsWith("jwksUri"));
            if (sameAsBefore) {
                log.debug("config in {} still invalid ({} errors)", directory, errors.size());
                return new ReloadOutcome.Rejected(result.errors());
            }
            log.error("config in {} rejected ({} error{}); {}:\n{}", directory, result.errors().size(),
                    result.errors().size() == 1 ? "" : "s",
                    everValid ? "still serving the previous config" : "serving no routing config until it is fixed",
                    result.errorReport().strip());
            return new ReloadOutcome.Rejected(result.errors());
        }
        errors = List.of();
        jwksErrorPending = false;
        jwksFiles = RequestAuthentications.jwksFiles(result.config());
        boolean first = !everValid;
        everValid = true;
        if (!first && result.config().equals(current)) {
            return new ReloadOutcome.Unchanged();
        }
        current = result.config();
        log.info("config loaded from {}: {} VirtualService(s), {} DestinationRule(s), {} ServiceEntry(ies), "
                        + "{} WorkloadEntry(ies)", directory, current.virtualServices().size(),
                current.destinationRules().size(), current.serviceEntries().size(),
                current.workloadEntries().size());
        return new ReloadOutcome.Accepted(current);
    }

    /**
     * Calls {@code onChange} (from a watcher thread) whenever the YAML files in the directory, or the jwksUri files
     * the served config read, may have changed (those by polling: they can live outside the directory).
     */
    public synchronized void watch(ScheduledExecutorService scheduler, Runnable onChange) throws IOException {
        watchService = directory.getFileSystem().newWatchService();
        directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        WatchService ws = watchService;
        watchThread = Thread.ofPlatform().daemon().name("weft-config-watch").start(() -> {
            try {
                while (true) {
                    WatchKey key = ws.take();
                    boolean relevant = key.pollEvents().stream().anyMatch(e -> e.context() == null
                            || isYaml(e.context().toString()));
                    key.reset();
                    if (relevant) {
                        onChange.run();
                    }
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // closing
            }
        });
        // The fallback: compare a cheap fingerprint (names, sizes, modification times, inodes).
        poller = scheduler.scheduleWithFixedDelay(() -> {
            try {
                if (jwksErrorPending || !fingerprint().equals(reportedFingerprint)) {
                    onChange.run();
                }
            } catch (RuntimeException e) {
                log.warn("polling {} failed", directory, e);
            }
        }, POLL_INTERVAL.toMillis(), POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean isYaml(String name) {
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    private String fingerprint() {
        StringBuilder sb = new StringBuilder();
        try {
            for (Path p : ConfigLoader.yamlFilesIn(directory)) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                sb.append(p.getFileName()).append('|').append(a.size()).append('|')
                        .append(a.lastModifiedTime().toMillis()).append('|').append(a.fileKey()).append('\n');
            }
        } catch (IOException e) {
            sb.append("unreadable: ").append(e.getMessage());
        }
        // JWKS files are small: their content, not their timestamps, so a same-size rewrite in the same
        // millisecond is seen too
        for (Path p : jwksFiles) {
            try {
                sb.append(p).append('|').append(java.util.Arrays.hashCode(Files.readAllBytes(p))).append('\n');
            } catch (IOException e) {
                sb.append(p).append("|unreadable\n");
            }
        }
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.cancel(false);
        }
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                log.debug("closing the watch service failed", e);
            }
        }
        if (watchThread != null) {
            watchThread.interrupt();
        }
    }
}
