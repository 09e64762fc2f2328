package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.RouteMatch.HeaderMatch;
import dev.weft.dataplane.config.RouteMatch.PathMatch;
import dev.weft.dataplane.config.StringMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * First-match route selection without scanning every route: routes are grouped by their path condition, and a request
 * only evaluates the routes whose path condition can hold for its path.
 *
 * <ul>
 *   <li>case-sensitive exact paths: a hash map from path to routes;</li>
 *   <li>otherwise, routes with a header condition on one exact, case-sensitive value (e.g. {@code end-user: jason}):
 *       a hash map per header name from value to routes;</li>
 *   <li>case-sensitive prefixes: a character trie; walking the request path through it visits exactly the prefixes
 *       the path starts with;</li>
 *   <li>everything else (regex, case-insensitive paths): always evaluated.</li>
 * </ul>
 *
 * Each group holds route positions in ascending order. First-match semantics are kept by taking, over all groups,
 * the lowest position whose full match (path, headers, query) holds: within a group the scan stops at the first hit
 * and skips positions above the best hit found so far. Matching allocates nothing.
 */
final class RouteIndex {
    /** Below this many routes, a plain scan is as fast and keeps the structure trivial. */
    static final int MIN_ROUTES = 16;

    /** Longer prefixes (rare) are scanned instead: the trie is built recursively, one frame per character. */
    static final int MAX_TRIE_DEPTH = 512;

    private static final int[] NONE = new int[0];

    private final CompiledRoute[] routes;
    private final Map<String, int[]> exact;
    private final TrieNode prefixRoot;
    private final int[] always;
    /** Header names that routes are keyed on, and for each, routes by the exact value they require. */
    private final String[] headerNames;
    private final List<Map<String, int[]>> byHeaderValue;

    private RouteIndex(CompiledRoute[] routes, Map<String, int[]> exact, Map<String, Map<String, int[]>> headers,
                       TrieNode prefixRoot, int[] always) {
        this.routes = routes;
        this.exact = exact;
        this.headerNames = headers.keySet().toArray(String[]::new);
        this.byHeaderValue = new ArrayList<>();
        for (String name : headerNames) {
            byHeaderValue.add(headers.get(name));
        }
        this.prefixRoot = prefixRoot;
        this.always = always;
    }

    /** An index over {@code routes}, or null when a linear scan is the better choice. */
    static RouteIndex build(CompiledRoute[] routes) {
        if (routes.length < MIN_ROUTES) {
            return null;
        }
        Map<String, List<Integer>> exact = new HashMap<>();
        Map<String, Map<String, List<Integer>>> headers = new HashMap<>();
        TrieBuilder prefixes = new TrieBuilder();
        List<Integer> always = new ArrayList<>();
        for (int i = 0; i < routes.length; i++) {
            RouteMatcher m = routes[i].matcher();
            PathMatch path = m.pathMatch();
            if (m.caseSensitive() && path instanceof PathMatch.Exact(String p)) {
                exact.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            } else if (m.exactHeader() != null) {
                HeaderMatch h = m.exactHeader();
                String value = ((StringMatcher.Exact) h.value()).expected();
                headers.computeIfAbsent(h.name(), k -> new HashMap<>()).computeIfAbsent(value, k -> new ArrayList<>())
                        .add(i);
            } else if (m.caseSensitive() && path instanceof PathMatch.Prefix(String p)
                    && p.length() <= MAX_TRIE_DEPTH) {
                prefixes.add(p, i);
            } else {
                always.add(i);
            }
        }
        Map<String, int[]> exactArrays = new HashMap<>(exact.size() * 2);
        exact.forEach((k, v) -> exactArrays.put(k, toArray(v)));
        Map<String, Map<String, int[]>> headerArrays = new HashMap<>();
        headers.forEach((name, values) -> {
            Map<String, int[]> arrays = new HashMap<>(values.size() * 2);
            values.forEach((value, positions) -> arrays.put(value, toArray(positions)));
            headerArrays.put(name, arrays);
        });
        return new RouteIndex(routes, exactArrays, headerArrays, prefixes.build(), toArray(always));
    }

    /** The first route (in configuration order) whose match holds, or null. */
    CompiledRoute match(RequestHead head, String pathOnly, QueryParameters query) {
        int best = Integer.MAX_VALUE;
        int[] exactHits = exact.get(pathOnly);
        if (exactHits != null) {
            best = firstMatch(exactHits, best, head, pathOnly, query);
        }
        for (int h = 0; h < headerNames.length; h++) {
            String value = RouteMatcher.headerValue(head, headerNames[h]);
            int[] hits = value == null ? null : byHeaderValue.get(h).get(value);
            if (hits != null) {
                best = firstMatch(hits, best, head, pathOnly, query);
            }
        }
        TrieNode node = prefixRoot;
        best = firstMatch(node.routes, best, head, pathOnly, query); // the empty prefix
        for (int i = 0, n = pathOnly.length(); i < n && node != null; i++) {
            node = node.child(pathOnly.charAt(i));
            if (node != null && node.routes.length > 0 && node.routes[0] < best) {
                best = firstMatch(node.routes, best, head, pathOnly, query);
            }
        }
        best = firstMatch(always, best, head, pathOnly, query);
        return best == Integer.MAX_VALUE ? null : routes[best];
    }

    private int firstMatch(int[] positions, int best, RequestHead head, String pathOnly, QueryParameters query) {
        for (int position : positions) {
            if (position >= best) {
                return best;
            }
            if (routes[position].matcher().matches(head, pathOnly, query)) {
                return position;
            }
        }
        return best;
    }

    private static int[] toArray(List<Integer> list) {
        if (list.isEmpty()) {
            return NONE;
        }
        int[] a = new int[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    /** An immutable trie node: children by character (sorted, binary searched) and the routes ending here. */
    private static final class TrieNode {
        final char[] keys;
        final TrieNode[] children;
        final int[] routes;

        TrieNode(char[] keys, TrieNode[] children, int[] routes) {
            this.keys = keys;
            this.children = children;
            this.routes = routes;
        }

        TrieNode child(char c) {
            int i = Arrays.binarySearch(keys, c);
            return i >= 0 ? children[i] : null;
        }
    }

    /** Mutable trie used while building. */
    private static final class TrieBuilder {
        final Map<Character, TrieBuilder> children = new HashMap<>();
        final List<Integer> routes = new ArrayList<>();

        void add(String prefix, int position) {
            TrieBuilder node = this;
            for (int i = 0; i < prefix.length(); i++) {
                node = node.children.computeIfAbsent(prefix.charAt(i), c -> new TrieBuilder());
            }
            node.routes.add(position); // positions arrive in ascending order
        }

        TrieNode build() {
            char[] keys = new char[children.size()];
            int k = 0;
            for (char c : children.keySet()) {
                keys[k++] = c;
            }
            Arrays.sort(keys);
            TrieNode[] nodes = new TrieNode[keys.length];
            for (int i = 0; i < keys.length; i++) {
                nodes[i] = children.get(keys[i]).build();
            }
            return new TrieNode(keys, nodes, toArray(routes));
        }
    }
}
