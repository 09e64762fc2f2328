package dev.weft.dataplane.config;

import java.time.Duration;

/** Envoy's route hash_policy: which request property feeds consistent hashing. */
public sealed interface HashPolicy {
    boolean terminal();

    record Header(String headerName, boolean terminal) implements HashPolicy {}

    /** A cookie; with a non-null ttl the proxy sets the cookie when the request lacks it (Envoy semantics). */
    record Cookie(String name, Duration ttl, String path, boolean terminal) implements HashPolicy {}

    record SourceIp(boolean terminal) implements HashPolicy {}
}
