package dev.weft.dataplane.cluster;

/**
 * What a load balancer may look at for one pick.
 *
 * @param hash consistent-hash key computed from the route's hash policies; meaningful only when {@code hasHash}
 * @param exclude a host to avoid when another is available (a retry going elsewhere), or null
 */
public record LbContext(long hash, boolean hasHash, UpstreamHost exclude) {
    public static final LbContext NONE = new LbContext(0, false, null);

    public static LbContext ofHash(long hash) {
        return new LbContext(hash, true, null);
    }
}
