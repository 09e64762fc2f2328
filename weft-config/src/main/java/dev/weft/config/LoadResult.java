package dev.weft.config;

import java.util.List;

/**
 * The outcome of loading a config set: either a valid {@code config} and no errors, or {@code config == null}
 * and at least one error (the set is rejected as a whole; callers keep their last valid MeshConfig).
 */
public record LoadResult(MeshConfig config, List<ConfigError> errors) {
    public LoadResult {
        errors = List.copyOf(errors);
        if ((config == null) == errors.isEmpty()) {
            throw new IllegalArgumentException("a LoadResult has either a config or errors");
        }
    }

    public boolean ok() {
        return config != null;
    }

    /** All errors, one per line, in the order found. */
    public String errorReport() {
        StringBuilder sb = new StringBuilder();
        for (ConfigError e : errors) {
            sb.append(e).append('\n');
        }
        return sb.toString();
    }
}
