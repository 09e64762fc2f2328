package dev.weft.dataplane.config;

import java.util.List;

/** All conditions must hold for a route to match. */
public record RouteMatch(PathMatch path, boolean caseSensitive, List<HeaderMatch> headers,
                         List<QueryParameterMatch> queryParameters) {
    public RouteMatch {
        headers = List.copyOf(headers);
        queryParameters = List.copyOf(queryParameters);
    }

    /** How the request path (without the query string) is matched. */
    public sealed interface PathMatch {
        record Prefix(String prefix) implements PathMatch {}
        record Exact(String path) implements PathMatch {}
        record Regex(java.util.regex.Pattern pattern) implements PathMatch {}
    }

    /** A header condition; {@code name} may be a pseudo-header (:method, :authority, :path, :scheme). */
    public record HeaderMatch(String name, StringMatcher value, boolean presentOnly, boolean invert) {}

    /** A query parameter condition; a null {@code value} means the parameter only has to be present. */
    public record QueryParameterMatch(String name, StringMatcher value) {}
}
