package dev.weft.dataplane.mirror;

import java.util.concurrent.ThreadLocalRandom;

/**
 * One of a route's {@code request_mirror_policies}: a fire-and-forget copy of a share of the route's requests to
 * another cluster, its response discarded.
 *
 * @param partsPerMillion how many requests in a million are mirrored
 * @param shadowHostSuffix whether the copy's Host gets Envoy's {@code -shadow} suffix (unless
 *                         {@code disable_shadow_host_suffix_append})
 */
public record MirrorPolicy(String cluster, int partsPerMillion, boolean shadowHostSuffix) {
    public static final int MILLION = 1_000_000;

    public boolean draw() {
        return partsPerMillion >= MILLION
                || partsPerMillion > 0 && ThreadLocalRandom.current().nextInt(MILLION) < partsPerMillion;
    }

    /** Envoy's shadow host: {@code -shadow} appended to the host name, before any port. */
    public static String shadowHost(String authority) {
        int colon = authority.lastIndexOf(':');
        boolean hasPort = colon > 0 && authority.indexOf(']') < colon;
        return hasPort ? authority.substring(0, colon) + "-shadow" + authority.substring(colon)
                : authority + "-shadow";
    }
}
