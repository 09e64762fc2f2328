package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last applied xDS resources on local disk, so a proxy restarted while the control plane is down serves at once
 * (Envoy cannot). Writes go through one background thread, coalesced to the newest state, as a temp file renamed
 * over the old one: a crash leaves either the old or the new file, never half of one.
 *
 * <p>Format: the magic {@code WEFTXDS1}, then one length-delimited {@code DiscoveryResponse} per type (type_url,
 * version_info, resources).
 */
public final class SnapshotCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotCache.class);
    private static final byte[] MAGIC = "WEFTXDS1".getBytes(StandardCharsets.US_ASCII);
    public static final String FILE_NAME = "xds-cache.bin";

    private final Path dir;
    private final Path file;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "weft-xds-cache-writer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<AppliedResources> pending = new AtomicReference<>();

    public SnapshotCache(Path dataDir) {
        this.dir = dataDir;
        this.file = dataDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** Queues a write of {@code applied}; if several queue up, only the newest is written. Never blocks. */
    public void saveAsync(AppliedResources applied) {
        if (pending.getAndSet(applied) == null) {
            writer.execute(() -> {
                AppliedResources latest = pending.getAndSet(null);
                if (latest != null) {
                    try {
                        save(latest);
                    } catch (IOException | RuntimeException e) {
                        log.warn("cannot write xDS cache {}: {}", file, e.toString());
                    }
                }
            });
        }
    }

    /** Waits until queued writes are on disk (for shutdown and tests). */
    public void flush() {
        try {
            writer.submit(() -> { }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("xDS cache flush did not finish: {}", e.toString());
        }
    }

    public void save(AppliedResources applied) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, FILE_NAME, ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                out.write(MAGIC);
                for (var e : applied.byType().entrySet()) {
                    DiscoveryResponse.newBuilder()
                            .setTypeUrl(e.getKey())
                            .setVersionInfo(e.getValue().version())
                            .addAllResources(e.getValue().resources().values())
                            .build()
                            .writeDelimitedTo(out);
                }
                // No fsync: the rename already protects against a crashed process, and after a power loss a
                // torn file only reads as corrupt and is ignored. Syncing cost seconds on busy disks.
                out.flush();
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The cached resources, or empty when there is no cache or it cannot be read (logged, then ignored). */
    public Optional<AppliedResources> load() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("not a Weft xDS cache (bad header)");
            }
            Map<String, AppliedResources.TypeResources> byType = new LinkedHashMap<>();
            DiscoveryResponse r;
            while ((r = DiscoveryResponse.parseDelimitedFrom(in)) != null) {
                Map<String, Any> resources = new LinkedHashMap<>();
                for (Any any : r.getResourcesList()) {
                    resources.put(ResourceDecoder.name(any, r.getTypeUrl()), any);
                }
                byType.put(r.getTypeUrl(), new AppliedResources.TypeResources(r.getVersionInfo(), resources));
            }
            return Optional.of(new AppliedResources(byType));
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring corrupt xDS cache {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        if (!writer.isShutdown()) {
            flush();
            writer.shutdown();
        }
    }
}
