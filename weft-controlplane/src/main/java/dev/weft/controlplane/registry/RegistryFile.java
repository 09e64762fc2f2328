package dev.weft.controlplane.registry;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.controlplane.proxy.ProxyNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The proxy registrations kept in the control plane's data directory, so a restarted control plane starts from
 * the workloads it knew instead of an empty registry: otherwise the first proxy to reconnect would be pushed a
 * mesh without the endpoints of proxies that have not reconnected yet. Restored registrations are withdrawn after
 * the usual grace period unless their proxy comes back.
 */
public final class RegistryFile {
    private static final Logger log = LoggerFactory.getLogger(RegistryFile.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public RegistryFile(Path dataDir) {
        this.file = dataDir.resolve("registry.json");
    }

    /** The registrations saved last; empty (with a warning) when the file is missing or unreadable. */
    public List<ProxyNode> load() {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return JSON.readValue(file.toFile(), new TypeReference<List<ProxyNode>>() { });
        } catch (IOException e) {
            log.warn("{}: cannot read the saved proxy registrations ({}); starting with none", file, e.getMessage());
            return List.of();
        }
    }

    /** Replaces the file atomically; a failure is logged and the registry serves on from memory. */
    public void save(List<ProxyNode> nodes) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), nodes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("{}: cannot save the proxy registrations: {}", file, e.getMessage());
        }
    }
}
