package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.RouteAction.RegexRewrite;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route's path rewrite: {@code prefix_rewrite} replaces what the path match consumed, {@code regex_rewrite}
 * substitutes every match of a pattern in the path. The query string is kept as it was.
 */
final class PathRewriter {
    private final String prefixRewrite;
    private final Pattern regex;
    private final String javaSubstitution;

    PathRewriter(String prefixRewrite, RegexRewrite regexRewrite) {
        this.prefixRewrite = prefixRewrite;
        this.regex = regexRewrite == null ? null : regexRewrite.pattern();
        this.javaSubstitution = regexRewrite == null ? null : toJavaReplacement(regexRewrite.substitution());
    }

    boolean rewrites() {
        return prefixRewrite != null || regex != null;
    }

    /** @param matchedLength how many leading characters of the path the route's match consumed */
    String rewrite(String pathWithQuery, int matchedLength) {
        int q = queryStart(pathWithQuery);
        String path = pathWithQuery.substring(0, q);
        String query = pathWithQuery.substring(q);
        String rewritten;
        if (prefixRewrite != null) {
            rewritten = prefixRewrite + path.substring(Math.min(matchedLength, path.length()));
            if (rewritten.isEmpty() || rewritten.charAt(0) != '/') {
                rewritten = "/" + rewritten;
            }
        } else if (regex != null) {
            rewritten = regex.matcher(path).replaceAll(javaSubstitution);
        } else {
            return pathWithQuery;
        }
        return rewritten + query;
    }

    static int queryStart(String pathWithQuery) {
        int q = pathWithQuery.indexOf('?');
        int f = pathWithQuery.indexOf('#');
        if (q < 0) {
            return f < 0 ? pathWithQuery.length() : f;
        }
        return f >= 0 && f < q ? f : q;
    }

    /**
     * xDS substitutions use RE2 syntax ({@code \1} for a group, everything else literal); Java's replacement syntax
     * uses {@code $1} and treats {@code $} and {@code \} specially.
     */
    static String toJavaReplacement(String re2) {
        if (re2 == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(re2.length() + 8);
        for (int i = 0; i < re2.length(); i++) {
            char c = re2.charAt(i);
            if (c == '\\' && i + 1 < re2.length() && Character.isDigit(re2.charAt(i + 1))) {
                sb.append('$').append(re2.charAt(++i));
            } else if (c == '\\' && i + 1 < re2.length() && re2.charAt(i + 1) == '\\') {
                sb.append("\\\\");
                i++;
            } else {
                sb.append(Matcher.quoteReplacement(String.valueOf(c)));
            }
        }
        return sb.toString();
    }
}
