package dev.weft.dataplane.routing;

import java.time.Duration;

/** Just enough cookie handling for cookie-based consistent hashing. */
public final class Cookies {
    private Cookies() {}

    /** The value of cookie {@code name} in a Cookie header ({@code a=1; b=2}), or null. */
    public static String value(String cookieHeader, String name) {
        if (cookieHeader == null) {
            return null;
        }
        int i = 0;
        int n = cookieHeader.length();
        while (i < n) {
            while (i < n && (cookieHeader.charAt(i) == ' ' || cookieHeader.charAt(i) == ';'
                    || cookieHeader.charAt(i) == ',')) {
                i++;
            }
            int end = cookieHeader.indexOf(';', i);
            if (end < 0) {
                end = n;
            }
            int eq = cookieHeader.indexOf('=', i);
            if (eq > 0 && eq < end && eq - i == name.length() && cookieHeader.startsWith(name, i)) {
                String v = cookieHeader.substring(eq + 1, end).trim();
                return v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"'
                        ? v.substring(1, v.length() - 1) : v;
            }
            i = end + 1;
        }
        return null;
    }

    static String setCookie(String name, String value, Duration ttl, String path) {
        StringBuilder sb = new StringBuilder(name).append('=').append(value);
        if (ttl != null && !ttl.isZero()) {
            sb.append("; Max-Age=").append(ttl.toSeconds());
        }
        if (path != null && !path.isEmpty()) {
            sb.append("; Path=").append(path);
        }
        return sb.append("; HttpOnly").toString();
    }
}
