package dev.weft.dataplane.config;

import java.time.Duration;
import java.util.List;

/** What a matched route does: forward to clusters, redirect, or answer directly. */
public sealed interface RouteAction {

    /**
     * Forward to one of the weighted clusters.
     *
     * @param prefixRewrite replaces the matched path prefix (whole path for exact/regex matches), or null
     * @param regexRewrite rewrites the path by regex, or null
     * @param hostRewrite replaces the authority, or null
     * @param timeout whole-request timeout; {@link Duration#ZERO} means none
     * @param hashPolicies how to hash the request for RING_HASH/MAGLEV clusters (empty: random hash)
     * @param retryPolicy the route's retries, or null for none
     */
    record Forward(List<WeightedCluster> clusters, String prefixRewrite, RegexRewrite regexRewrite,
                   String hostRewrite, Duration timeout, List<HashPolicy> hashPolicies,
                   dev.weft.dataplane.retry.RetryPolicy retryPolicy)
            implements RouteAction {
        public Forward {
            clusters = List.copyOf(clusters);
            hashPolicies = List.copyOf(hashPolicies);
        }
    }

    record Redirect(String scheme, String host, int port, String path, String prefixRewrite, int status,
                    boolean stripQuery) implements RouteAction {}

    record DirectResponse(int status, String body) implements RouteAction {}

    record WeightedCluster(String name, int weight, HeaderMutations requestHeaders, HeaderMutations responseHeaders) {}

    record RegexRewrite(java.util.regex.Pattern pattern, String substitution) {}
}
