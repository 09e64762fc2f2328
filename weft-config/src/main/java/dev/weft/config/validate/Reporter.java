package dev.weft.config.validate;

import dev.weft.config.ConfigError;
import dev.weft.config.load.FieldPath;
import dev.weft.config.load.LineIndex;
import dev.weft.config.model.ResourceMeta;
import java.util.List;

/** Adds errors about one resource, filling in file, resource identity and the line of the field. */
final class Reporter {
    private final ResourceMeta meta;
    private final LineIndex lines;
    private final List<ConfigError> out;

    Reporter(ResourceMeta meta, LineIndex lines, List<ConfigError> out) {
        this.meta = meta;
        this.lines = lines;
        this.out = out;
    }

    void error(FieldPath path, String message) {
        out.add(new ConfigError(meta.file(), lines.lineOf(path), meta.kind(), meta.namespace(), meta.name(),
                path.toString(), message));
    }
}
