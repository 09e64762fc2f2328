/**
 * Local rate limiting (Envoy's {@code envoy.filters.http.local_ratelimit}): the parsed filter config and the
 * lock-free token bucket that every event loop of a proxy shares.
 */
package dev.weft.dataplane.ratelimit;
