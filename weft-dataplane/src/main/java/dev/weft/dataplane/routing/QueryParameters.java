package dev.weft.dataplane.routing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** A request's query parameters, parsed on first use: most requests are routed without looking at them. */
public final class QueryParameters {
    private final String rawQuery;
    private Map<String, String> parsed;

    /** @param rawQuery the text after '?', or null when the request has no query */
    public QueryParameters(String rawQuery) {
        this.rawQuery = rawQuery;
    }

    /** The first value of a parameter (empty for a bare {@code ?flag}), or null when absent. */
    public String get(String name) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        if (parsed == null) {
            parsed = parse(rawQuery);
        }
        return parsed.get(name);
    }

    private static Map<String, String> parse(String query) {
        Map<String, String> params = new HashMap<>();
        int start = 0;
        while (start <= query.length()) {
            int end = query.indexOf('&', start);
            if (end < 0) {
                end = query.length();
            }
            if (end > start) {
                int eq = query.indexOf('=', start);
                String name;
                String value;
                if (eq < 0 || eq > end) {
                    name = decode(query.substring(start, end));
                    value = "";
                } else {
                    name = decode(query.substring(start, eq));
                    value = decode(query.substring(eq + 1, end));
                }
                params.putIfAbsent(name, value);
            }
            start = end + 1;
        }
        return params;
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return s; // keep malformed escapes as sent rather than failing the request
        }
    }
}
