package dev.weft.config.load;

import dev.weft.config.model.IstioResource;
import java.util.Set;

/**
 * A decoded resource together with the line index of the document it came from (for error positions).
 * {@code unboundPaths} lists fields (as {@code spec.a.b[0].c}) that failed to bind and were dropped after their
 * error was reported; a resource with any is invalid, and checks on or under those paths are skipped.
 */
public record LoadedResource(IstioResource resource, LineIndex lines, Set<String> unboundPaths) {
    public LoadedResource {
        unboundPaths = Set.copyOf(unboundPaths);
    }

    public LoadedResource(IstioResource resource, LineIndex lines) {
        this(resource, lines, Set.of());
    }

    public boolean fullyBound() {
        return unboundPaths.isEmpty();
    }
}
