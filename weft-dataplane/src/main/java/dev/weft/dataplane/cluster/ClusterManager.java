package dev.weft.dataplane.cluster;

import dev.weft.dataplane.config.ConfigSnapshot;

/**
 * Live clusters built from the current ConfigSnapshot. {@link #update} is called on each applied snapshot (off the
 * request path); {@link #get} is called per request and reads an immutable map swapped atomically.
 */
public interface ClusterManager {
    /** The cluster, or null when the snapshot has no cluster by that name. */
    Cluster get(String name);

    java.util.Collection<Cluster> all();

    void update(ConfigSnapshot snapshot);
}
