package dev.weft.dataplane.config;

/**
 * How a connection manager rewrites the request path before anything looks at it (Envoy's
 * {@code HttpConnectionManager.normalize_path}, {@code merge_slashes}, {@code path_with_escaped_slashes_action}):
 * route matching, the filters (rate limit, authorization) and the upstream all see the rewritten path.
 *
 * @param normalizePath RFC 3986 normalization: unreserved characters percent-decoded, backslashes made slashes,
 *     {@code .} and {@code ..} segments removed
 * @param mergeSlashes runs of slashes become one (after {@code normalizePath})
 * @param unescapeSlashes {@code %2F}/{@code %5C} are decoded first ({@code UNESCAPE_AND_FORWARD}); otherwise they are
 *     kept as they are ({@code KEEP_UNCHANGED})
 */
public record PathNormalization(boolean normalizePath, boolean mergeSlashes, boolean unescapeSlashes) {
    /** Envoy's defaults: the path as the client sent it. */
    public static final PathNormalization NONE = new PathNormalization(false, false, false);

    public boolean changesPaths() {
        return normalizePath || mergeSlashes || unescapeSlashes;
    }
}
