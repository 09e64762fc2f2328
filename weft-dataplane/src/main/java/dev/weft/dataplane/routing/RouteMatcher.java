package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteMatch.HeaderMatch;
import dev.weft.dataplane.config.RouteMatch.PathMatch;
import dev.weft.dataplane.config.RouteMatch.QueryParameterMatch;
import dev.weft.dataplane.config.StringMatcher;

/** A RouteMatch prepared for evaluation: every condition must hold. */
final class RouteMatcher {
    private final PathMatch path;
    private final boolean caseSensitive;
    private final HeaderMatch[] headers;
    private final QueryParameterMatch[] queryParameters;

    RouteMatcher(RouteMatch match) {
        this.path = match.path();
        this.caseSensitive = match.caseSensitive();
        this.headers = match.headers().toArray(HeaderMatch[]::new);
        this.queryParameters = match.queryParameters().toArray(QueryParameterMatch[]::new);
    }

    PathMatch pathMatch() {
        return path;
    }

    boolean caseSensitive() {
        return caseSensitive;
    }

    /** A header condition that holds only for one exact, case-sensitive value (what an index can key on), or null. */
    HeaderMatch exactHeader() {
        for (HeaderMatch h : headers) {
            if (!h.invert() && !h.presentOnly() && h.value() instanceof StringMatcher.Exact(String v, boolean ic)
                    && !ic && v != null) {
                return h;
            }
        }
        return null;
    }

    boolean usesQueryParameters() {
        return queryParameters.length > 0;
    }

    /**
     * @param pathOnly the request path without query string
     * @param query lazily parsed query parameters, or null when no route of the table looks at them
     */
    boolean matches(RequestHead head, String pathOnly, QueryParameters query) {
        return matchesPath(pathOnly) && matchesHeaders(head) && matchesQuery(query);
    }

    /**
     * The number of leading path characters the match consumed (for prefix rewrites).
     *
     * @param pathOnlyLength the length of the request path without query string
     */
    int matchedPrefixLength(int pathOnlyLength) {
        return path instanceof PathMatch.Prefix(String prefix) ? prefix.length() : pathOnlyLength;
    }

    private boolean matchesPath(String p) {
        return switch (path) {
            case PathMatch.Prefix(String prefix) -> p.regionMatches(!caseSensitive, 0, prefix, 0, prefix.length());
            case PathMatch.Exact(String exact) -> caseSensitive ? p.equals(exact) : p.equalsIgnoreCase(exact);
            case PathMatch.Regex(java.util.regex.Pattern pattern) -> pattern.matcher(p).matches();
        };
    }

    private boolean matchesHeaders(RequestHead head) {
        for (HeaderMatch h : headers) {
            String value = headerValue(head, h.name());
            boolean matched = h.presentOnly() || h.value() == null ? value != null
                    : value != null && h.value().matches(value);
            if (matched == h.invert()) {
                return false;
            }
        }
        return true;
    }

    private boolean matchesQuery(QueryParameters query) {
        for (QueryParameterMatch q : queryParameters) {
            String value = query == null ? null : query.get(q.name());
            if (value == null || (q.value() != null && !q.value().matches(value))) {
                return false;
            }
        }
        return true;
    }

    /** Regular headers, plus the HTTP/2-style pseudo-headers Envoy lets routes match on. */
    static String headerValue(RequestHead head, String name) {
        if (!name.isEmpty() && name.charAt(0) == ':') {
            return switch (name) {
                case ":method" -> head.method();
                case ":authority" -> head.authority();
                case ":path" -> head.path();
                case ":scheme" -> head.scheme();
                default -> null;
            };
        }
        return head.header(name);
    }
}
