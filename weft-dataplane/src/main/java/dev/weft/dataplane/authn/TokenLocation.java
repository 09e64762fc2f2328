package dev.weft.dataplane.authn;

import dev.weft.dataplane.routing.Cookies;
import dev.weft.dataplane.routing.QueryParameters;
import dev.weft.dataplane.routing.RequestHead;

/** Where a provider looks for its token (Envoy {@code from_headers}, {@code from_params}, {@code from_cookies}). */
public sealed interface TokenLocation {
    /** The token at this location, or null. */
    String extract(RequestHead request, QueryParameters query);

    /**
     * A header; with a {@code valuePrefix} (e.g. {@code "Bearer "}, compared ignoring case as Envoy does) the token
     * is what follows it, up to a comma or the end.
     */
    record Header(String name, String valuePrefix) implements TokenLocation {
        public Header {
            name = name.toLowerCase(java.util.Locale.ROOT);
            valuePrefix = valuePrefix == null ? "" : valuePrefix;
        }

        public String extract(RequestHead request, QueryParameters query) {
            String v = request.header(name);
            if (v == null) {
                return null;
            }
            if (!v.regionMatches(true, 0, valuePrefix, 0, valuePrefix.length())) {
                return null;
            }
            int end = v.indexOf(',', valuePrefix.length());
            String token = (end < 0 ? v.substring(valuePrefix.length()) : v.substring(valuePrefix.length(), end)).trim();
            return token.isEmpty() ? null : token;
        }
    }

    record Param(String name) implements TokenLocation {
        public String extract(RequestHead request, QueryParameters query) {
            String v = query.get(name);
            return v == null || v.isEmpty() ? null : v;
        }
    }

    record Cookie(String name) implements TokenLocation {
        public String extract(RequestHead request, QueryParameters query) {
            String v = Cookies.value(request.header("cookie"), name);
            return v == null || v.isEmpty() ? null : v;
        }
    }
}
