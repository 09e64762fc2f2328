package dev.weft.config.validate;

import dev.weft.config.ConfigError;
import dev.weft.config.load.FieldPath;
import dev.weft.config.load.LineIndex;
import dev.weft.config.model.ResourceMeta;
import java.util.List;
import java.util.Set;

/** Adds errors about one resource, filling in file, resource identity and the line of the field. */
final class Reporter {
    private final ResourceMeta meta;
    private final LineIndex lines;
    private final List<ConfigError> out;
    private final Set<String> unboundPaths;

    Reporter(ResourceMeta meta, LineIndex lines, List<ConfigError> out) {
        this(meta, lines, out, Set.of());
    }

    /** Errors on or under an unbound path are dropped: that field's binding error was already reported. */
    Reporter(ResourceMeta meta, LineIndex lines, List<ConfigError> out, Set<String> unboundPaths) {
        this.meta = meta;
        this.lines = lines;
        this.out = out;
        this.unboundPaths = unboundPaths;
    }

    void error(FieldPath path, String message) {
        String p = path.toString();
        for (String u : unboundPaths) {
            if (p.equals(u) || p.startsWith(u + ".") || p.startsWith(u + "[")) {
                return;
            }
        }
        out.add(new ConfigError(meta.file(), lines.lineOf(path), meta.kind(), meta.namespace(), meta.name(),
                path.toString(), message));
    }
}
