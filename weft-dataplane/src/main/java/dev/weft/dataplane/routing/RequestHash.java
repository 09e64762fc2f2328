package dev.weft.dataplane.routing;

/**
 * The consistent-hash key of a request.
 *
 * @param setCookie a {@code Set-Cookie} value to add to the response because a cookie hash policy with a ttl found
 *     no cookie and generated one (Envoy's behaviour); null otherwise
 */
public record RequestHash(long hash, String setCookie) {}
