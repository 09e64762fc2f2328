/**
 * Local rate limiting in the proxy: the {@code envoy.filters.http.local_ratelimit} filter and the per-proxy registry
 * that keeps its token buckets across config updates.
 */
package dev.weft.proxy.ratelimit;
