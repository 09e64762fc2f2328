package dev.weft.dataplane.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Picks the virtual host for an authority the way Envoy does: exact domains first, then the longest {@code *.suffix}
 * wildcard, then the longest {@code prefix*} wildcard, then {@code *}. The authority is tried as received
 * ({@code host:port}) and then without its port, so a domain list of {@code ["reviews"]} also serves
 * {@code reviews:9080}.
 *
 * @param <T> what a domain resolves to (a compiled virtual host)
 */
public final class VirtualHostSelector<T> {
    private final Map<String, T> exact;
    private final List<Wildcard<T>> suffixes; // longest first
    private final List<Wildcard<T>> prefixes; // longest first
    private final T defaultHost;

    private record Wildcard<T>(String part, T target) {}

    private VirtualHostSelector(Map<String, T> exact, List<Wildcard<T>> suffixes, List<Wildcard<T>> prefixes,
                                T defaultHost) {
        this.exact = exact;
        this.suffixes = suffixes;
        this.prefixes = prefixes;
        this.defaultHost = defaultHost;
    }

    /**
     * Builds the selector; when a domain appears in two hosts the first one keeps it (the config parser rejects
     * duplicates, this only makes the result deterministic).
     */
    public static <T> VirtualHostSelector<T> build(List<T> hosts, Function<T, List<String>> domainsOf) {
        Map<String, T> exact = new HashMap<>();
        Map<String, T> suffixes = new HashMap<>();
        Map<String, T> prefixes = new HashMap<>();
        T defaultHost = null;
        for (T host : hosts) {
            for (String raw : domainsOf.apply(host)) {
                String domain = raw.toLowerCase(Locale.ROOT);
                if (domain.equals("*")) {
                    if (defaultHost == null) {
                        defaultHost = host;
                    }
                } else if (domain.startsWith("*")) {
                    suffixes.putIfAbsent(domain.substring(1), host);
                } else if (domain.endsWith("*")) {
                    prefixes.putIfAbsent(domain.substring(0, domain.length() - 1), host);
                } else {
                    exact.putIfAbsent(domain, host);
                }
            }
        }
        return new VirtualHostSelector<>(Map.copyOf(exact), longestFirst(suffixes), longestFirst(prefixes),
                defaultHost);
    }

    private static <T> List<Wildcard<T>> longestFirst(Map<String, T> parts) {
        List<Wildcard<T>> list = new ArrayList<>();
        parts.forEach((part, target) -> list.add(new Wildcard<>(part, target)));
        list.sort(Comparator.comparingInt((Wildcard<T> w) -> w.part().length()).reversed()
                .thenComparing(Wildcard::part));
        return List.copyOf(list);
    }

    /** The virtual host serving {@code authority}, or null when none does. */
    public T select(String authority) {
        if (authority == null || authority.isEmpty()) {
            return defaultHost;
        }
        String lower = toLowerAscii(authority);
        T found = selectSpecific(lower);
        if (found == null) {
            int sep = Authority.portSeparator(lower);
            if (sep >= 0) {
                found = selectSpecific(lower.substring(0, sep));
            }
        }
        return found != null ? found : defaultHost;
    }

    private T selectSpecific(String host) {
        T found = exact.get(host);
        if (found != null) {
            return found;
        }
        for (Wildcard<T> w : suffixes) {
            // the wildcard must stand for at least one character, as in Envoy
            if (host.length() > w.part().length() && host.endsWith(w.part())) {
                return w.target();
            }
        }
        for (Wildcard<T> w : prefixes) {
            if (host.length() > w.part().length() && host.startsWith(w.part())) {
                return w.target();
            }
        }
        return null;
    }

    /** Lower-cases without allocating when the value is already lower case (the usual case). */
    static String toLowerAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return s.toLowerCase(Locale.ROOT);
            }
        }
        return s;
    }
}
