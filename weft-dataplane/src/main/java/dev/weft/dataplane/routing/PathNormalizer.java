package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.PathNormalization;
import java.util.ArrayList;
import java.util.List;

/**
 * Request path normalization, in two strengths.
 *
 * <p>{@link #normalize(String, PathNormalization)}: what a connection manager does to every request before routing
 * (Envoy's {@code normalize_path}, {@code merge_slashes}, {@code path_with_escaped_slashes_action}), so that
 * {@code //x}, {@code /a/../x} or {@code /%2e%2e/x} cannot miss a route or its rate limit; the query stays as it is.
 * In order: {@code %2F}/{@code %5C} decoded (when unescaping slashes); unreserved characters percent-decoded (RFC
 * 3986 §2.3: letters, digits, {@code - . _ ~}; other escapes stay as sent), backslashes made slashes, {@code .} and
 * {@code ..} segments removed (RFC 3986 §5.2.4, empty segments count, {@code ..} never climbs above the root); then
 * runs of slashes merged.
 *
 * <p>{@link #normalize(String)}: the path as authorization must see it, so that a rule on {@code /charge} cannot be
 * bypassed with {@code /admin/../charge}, {@code //charge}, {@code /%2Fcharge} or {@code /ch%61rge}: Istio's
 * strictest built-in normalization ({@code DECODE_AND_MERGE_SLASHES}), applied to the path without its query:
 * <ol>
 *   <li>percent-decode unreserved characters and encoded slashes and backslashes; other escapes stay, in upper
 *       case;</li>
 *   <li>backslashes become slashes; runs of slashes become one;</li>
 *   <li>{@code .} and {@code ..} segments are removed; {@code ..} never climbs above the root.</li>
 * </ol>
 * Both return null for a path that cannot be normalized safely (not starting with {@code /}, a malformed escape, an
 * encoded or raw NUL/control character): the caller rejects the request (400), as Envoy does.
 */
public final class PathNormalizer {
    private PathNormalizer() {}

    /**
     * The request target ({@code path?query}) as a connection manager configured with {@code mode} forwards it: the
     * same string when nothing changes (the usual request: one scan, no allocation), null when it cannot be
     * normalized safely. A fragment is dropped.
     */
    public static String normalize(String pathWithQuery, PathNormalization mode) {
        if (!mode.changesPaths()) {
            return pathWithQuery;
        }
        if (pathWithQuery == null || pathWithQuery.isEmpty() || pathWithQuery.charAt(0) != '/') {
            return null;
        }
        int q = indexOfQueryOrFragment(pathWithQuery);
        int end = q < 0 ? pathWithQuery.length() : q;
        boolean fragment = q >= 0 && pathWithQuery.indexOf('#', q) >= 0;
        if (!fragment && alreadyNormal(pathWithQuery, end)) {
            return pathWithQuery;
        }
        String path = pathWithQuery.substring(0, end);
        if (mode.unescapeSlashes()) {
            path = decode(path, false, true, false);
            if (path == null) {
                return null;
            }
        }
        if (mode.normalizePath()) {
            path = decode(path, true, false, false);
            if (path == null) {
                return null;
            }
            path = removeDotSegments(path.replace('\\', '/'), false);
        }
        if (mode.mergeSlashes()) {
            path = mergeSlashes(path);
        }
        if (q < 0) {
            return path;
        }
        int hash = pathWithQuery.indexOf('#', q);
        String query = pathWithQuery.substring(q, hash < 0 ? pathWithQuery.length() : hash);
        return query.startsWith("?") ? path + query : path;
    }

    /** The path (query dropped) as authorization matches it; see the class comment. */
    public static String normalize(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return null;
        }
        int q = indexOfQueryOrFragment(rawPath);
        String path = q < 0 ? rawPath : rawPath.substring(0, q);
        if (alreadyNormal(path, path.length())) {
            return path;
        }
        String decoded = decode(path, true, true, true);
        if (decoded == null) {
            return null;
        }
        return removeDotSegments(decoded.replace('\\', '/'), true);
    }

    /**
     * True when {@link #normalize} would return {@code path} unchanged: no escape, backslash or control character,
     * no empty segment but a trailing one, no {@code .} or {@code ..} segment (the usual request, which then costs
     * one scan and no allocation).
     */
    private static boolean alreadyNormal(String path, int n) {
        int segmentStart = 1;
        for (int i = 1; i <= n; i++) {
            char c = i < n ? path.charAt(i) : '/';
            if (c == '/') {
                int len = i - segmentStart;
                if (len == 0 && i < n) {
                    return false;
                }
                if ((len == 1 || len == 2) && path.charAt(segmentStart) == '.'
                        && (len == 1 || path.charAt(segmentStart + 1) == '.')) {
                    return false;
                }
                segmentStart = i + 1;
            } else if (c < 0x20 || c == 0x7f || c == '%' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /**
     * Percent-decodes {@code unreserved} characters and/or encoded slashes and backslashes ({@code slashes}); other
     * escapes stay, upper-cased when {@code upperCaseOthers}. Null for a control character (raw or encoded) or a
     * malformed escape.
     */
    private static String decode(String path, boolean unreserved, boolean slashes, boolean upperCaseOthers) {
        StringBuilder decoded = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return null;
            }
            if (c != '%') {
                decoded.append(c);
                continue;
            }
            if (i + 2 >= path.length()) {
                return null;
            }
            int hi = Character.digit(path.charAt(i + 1), 16);
            int lo = Character.digit(path.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            char d = (char) (hi * 16 + lo);
            if (d < 0x20 || d == 0x7f) {
                return null;
            }
            if (unreserved && isUnreserved(d) || slashes && (d == '/' || d == '\\')) {
                decoded.append(d);
            } else if (upperCaseOthers) {
                decoded.append('%').append(Character.toUpperCase(path.charAt(i + 1)))
                        .append(Character.toUpperCase(path.charAt(i + 2)));
            } else {
                decoded.append(path, i, i + 3);
            }
            i += 2;
        }
        return decoded.toString();
    }

    private static String mergeSlashes(String path) {
        if (!path.contains("//")) {
            return path;
        }
        StringBuilder merged = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' || merged.isEmpty() || merged.charAt(merged.length() - 1) != '/') {
                merged.append(c);
            }
        }
        return merged.toString();
    }

    private static int indexOfQueryOrFragment(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /**
     * Resolves dot segments; with {@code mergeEmpty} empty segments are dropped too (slashes merged first), otherwise
     * they are segments like others ({@code /a//../b} is {@code /a/b}, as Envoy's {@code normalize_path}). A trailing
     * slash or dot segment leaves a trailing slash.
     */
    private static String removeDotSegments(String path, boolean mergeEmpty) {
        List<String> out = new ArrayList<>();
        String[] segments = path.split("/", -1);
        boolean trailingSlash = false;
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.equals(".") || s.isEmpty() && (mergeEmpty || last)) {
                trailingSlash = last;
            } else if (s.equals("..")) {
                if (!out.isEmpty()) {
                    out.removeLast();
                }
                trailingSlash = last;
            } else {
                out.add(s);
                trailingSlash = false;
            }
        }
        StringBuilder result = new StringBuilder(path.length());
        for (String s : out) {
            result.append('/').append(s);
        }
        if (result.isEmpty() || trailingSlash) {
            result.append('/');
        }
        return result.toString();
    }
}
