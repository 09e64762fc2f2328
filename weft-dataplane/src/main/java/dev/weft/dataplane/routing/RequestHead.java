package dev.weft.dataplane.routing;

/**
 * The parts of a request that routing looks at, independent of the codec that parsed it. Implementations wrap the
 * codec's own header structure so nothing is copied per request.
 */
public interface RequestHead {
    /** Upper-case method, e.g. {@code GET}. */
    String method();

    /** The authority as received (Host header or the absolute-form URI's authority), possibly with a port. */
    String authority();

    /** Path with query string, in origin form ({@code /a/b?c=d}). */
    String path();

    /** {@code http} or {@code https}: how the request reached this proxy. */
    String scheme();

    /**
     * The value of a regular header (name in lower case), several values joined by {@code ,} as Envoy does for
     * matching; null when absent.
     */
    String header(String name);

    /** The downstream peer's IP address as text, or null when unknown. */
    String sourceAddress();
}
