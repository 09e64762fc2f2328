package dev.weft.dataplane.authz;

import java.util.ArrayList;
import java.util.List;

/**
 * The request path as authorization must see it, so that a rule on {@code /charge} cannot be bypassed with
 * {@code /admin/../charge}, {@code //charge}, {@code /%2Fcharge} or {@code /ch%61rge}. Istio's strictest built-in
 * normalization ({@code DECODE_AND_MERGE_SLASHES}, i.e. Envoy's {@code normalize_path} + {@code merge_slashes} +
 * unescaping {@code %2F}/{@code %5C}), applied to the path without its query:
 * <ol>
 *   <li>percent-decode unreserved characters (RFC 3986 §2.3: letters, digits, {@code - . _ ~}) and encoded slashes
 *       and backslashes; other escapes stay, in upper case;</li>
 *   <li>backslashes become slashes; runs of slashes become one;</li>
 *   <li>{@code .} and {@code ..} segments are removed (RFC 3986 §5.2.4); {@code ..} never climbs above the root.</li>
 * </ol>
 * Returns null for a path that cannot be normalized safely (not starting with {@code /}, a malformed escape, an
 * encoded or raw NUL/control character): the caller rejects the request (400), as Envoy does.
 */
public final class PathNormalizer {
    private PathNormalizer() {}

    public static String normalize(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return null;
        }
        int q = indexOfQueryOrFragment(rawPath);
        String path = q < 0 ? rawPath : rawPath.substring(0, q);
        if (alreadyNormal(path)) {
            return path;
        }
        StringBuilder decoded = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return null;
            }
            if (c == '%') {
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
                if (isUnreserved(d) || d == '/' || d == '\\') {
                    decoded.append(d);
                } else {
                    decoded.append('%').append(Character.toUpperCase(path.charAt(i + 1)))
                            .append(Character.toUpperCase(path.charAt(i + 2)));
                }
                i += 2;
            } else {
                decoded.append(c);
            }
        }
        return removeDotSegments(decoded.toString().replace('\\', '/'));
    }

    /**
     * True when {@link #normalize} would return {@code path} unchanged: no escape, backslash or control character,
     * no empty segment but a trailing one, no {@code .} or {@code ..} segment (the usual request, which then costs
     * one scan and no allocation).
     */
    private static boolean alreadyNormal(String path) {
        int n = path.length();
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

    /** Merges slashes and resolves dot segments; a trailing slash or dot segment leaves a trailing slash. */
    private static String removeDotSegments(String path) {
        List<String> out = new ArrayList<>();
        String[] segments = path.split("/", -1);
        boolean trailingSlash = false;
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            switch (s) {
                case "", "." -> trailingSlash = last;
                case ".." -> {
                    if (!out.isEmpty()) {
                        out.removeLast();
                    }
                    trailingSlash = last;
                }
                default -> {
                    out.add(s);
                    trailingSlash = false;
                }
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
