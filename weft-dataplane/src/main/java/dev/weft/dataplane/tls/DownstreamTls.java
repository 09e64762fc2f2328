package dev.weft.dataplane.tls;

/**
 * Mesh mTLS on an inbound listener (from its filter chains' DownstreamTlsContext): the client must present a
 * certificate from the mesh roots, and its SPIFFE ID reaches the app in {@code X-Forwarded-Client-Cert}.
 *
 * @param plaintextAllowed PERMISSIVE (a second, plaintext filter chain matched on {@code transport_protocol:
 *     raw_buffer}); false: STRICT, plaintext connections are closed
 */
public record DownstreamTls(boolean plaintextAllowed) {}
