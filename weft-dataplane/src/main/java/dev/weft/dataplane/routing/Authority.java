package dev.weft.dataplane.routing;

/** Splitting of an HTTP authority into host and port, bracketed IPv6 literals included. */
public final class Authority {
    private Authority() {}

    /** Index of the ':' that starts the port, or -1 when the authority carries no port. */
    public static int portSeparator(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0) {
            return -1;
        }
        int bracket = authority.lastIndexOf(']');
        if (bracket > colon) {
            return -1; // the colon is inside an IPv6 literal
        }
        if (authority.indexOf(':') != colon && bracket < 0) {
            return -1; // bare IPv6 literal without brackets: no port
        }
        return colon;
    }

    /** The host without its port. */
    public static String host(String authority) {
        int sep = portSeparator(authority);
        return sep < 0 ? authority : authority.substring(0, sep);
    }

    /** The port, or -1 when absent or not a number. */
    public static int port(String authority) {
        int sep = portSeparator(authority);
        if (sep < 0 || sep == authority.length() - 1) {
            return -1;
        }
        int port = 0;
        for (int i = sep + 1; i < authority.length(); i++) {
            char c = authority.charAt(i);
            if (c < '0' || c > '9' || port > 65535) {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 ? port : -1;
    }
}
