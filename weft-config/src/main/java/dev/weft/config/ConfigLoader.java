package dev.weft.config;

import java.nio.file.Path;

/** The single entry point for reading and validating a config set (control plane and {@code weft validate}). */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** Loads a file, or every *.yaml / *.yml in a directory (sorted by name, not recursive), and validates the set. */
    public static LoadResult load(Path fileOrDir) {
        throw new UnsupportedOperationException("loading lands in the next commit");
    }
}
