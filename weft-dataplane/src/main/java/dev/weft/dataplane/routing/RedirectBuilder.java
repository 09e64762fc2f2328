package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.RouteAction.Redirect;

/** Builds the Location of a redirect route from the request, as Envoy's RedirectAction does. */
final class RedirectBuilder {
    private final Redirect redirect;

    RedirectBuilder(Redirect redirect) {
        this.redirect = redirect;
    }

    int status() {
        return redirect.status() == 0 ? 301 : redirect.status();
    }

    String location(RequestHead head, int matchedLength) {
        String scheme = redirect.scheme() != null && !redirect.scheme().isEmpty() ? redirect.scheme()
                : head.scheme();
        String authority = head.authority() == null ? "" : head.authority();
        String host = redirect.host() != null && !redirect.host().isEmpty() ? redirect.host()
                : Authority.host(authority);
        int port = redirect.port() > 0 ? redirect.port() : Authority.port(authority);
        if (redirect.port() <= 0 && !scheme.equalsIgnoreCase(head.scheme()) && port == defaultPort(head.scheme())) {
            port = -1; // http://h:80 redirected to https: the old scheme's default port does not carry over
        }
        if (port == defaultPort(scheme)) {
            port = -1;
        }
        String original = head.path();
        int q = PathRewriter.queryStart(original);
        String path = original.substring(0, q);
        String query = q < original.length() && original.charAt(q) == '?' ? original.substring(q) : "";
        if (redirect.path() != null && !redirect.path().isEmpty()) {
            path = redirect.path();
            if (path.indexOf('?') >= 0) {
                query = ""; // a path_redirect with its own query replaces the request's
            }
        } else if (redirect.prefixRewrite() != null) {
            path = redirect.prefixRewrite() + path.substring(Math.min(matchedLength, path.length()));
        }
        if (redirect.stripQuery()) {
            query = "";
        }
        StringBuilder sb = new StringBuilder(scheme).append("://").append(host);
        if (port > 0) {
            sb.append(':').append(port);
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            sb.append('/');
        }
        return sb.append(path).append(query).toString();
    }

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : "http".equalsIgnoreCase(scheme) ? 80 : -1;
    }
}
