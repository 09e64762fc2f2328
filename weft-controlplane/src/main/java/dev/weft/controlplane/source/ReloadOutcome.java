package dev.weft.controlplane.source;

import dev.weft.config.ConfigError;
import dev.weft.config.MeshConfig;

import java.util.List;

/** What re-reading the config directory led to. */
public sealed interface ReloadOutcome {
    /** A valid config different from the one served: it is now current. */
    record Accepted(MeshConfig config) implements ReloadOutcome {}

    /** The files describe the config already served. */
    record Unchanged() implements ReloadOutcome {}

    /** The change is invalid and rejected as a whole; the previous config stays current. */
    record Rejected(List<ConfigError> errors) implements ReloadOutcome {
        public Rejected {
            errors = List.copyOf(errors);
        }
    }
}
