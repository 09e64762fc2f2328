package dev.weft.dataplane.routing;

import static dev.weft.dataplane.routing.Routes.forward;
import static dev.weft.dataplane.routing.Routes.host;
import static dev.weft.dataplane.routing.Routes.route;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteMatch.HeaderMatch;
import dev.weft.dataplane.config.RouteMatch.PathMatch;
import dev.weft.dataplane.config.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The route index must pick exactly the route a first-match scan picks. */
class RouteIndexTest {
    private static final String[] VALUES = {"v1", "v2", "V1", "jason"};
    private static final String[] SEGMENTS = {"", "a", "ab", "api", "v1", "v2", "Users", "users", "x"};

    @Test
    void agreesWithFirstMatchScanOnRandomTables() {
        Random random = new Random(42);
        for (int table = 0; table < 40; table++) {
            List<Route> routes = new ArrayList<>();
            int n = RouteIndex.MIN_ROUTES + random.nextInt(200);
            for (int i = 0; i < n; i++) {
                routes.add(route("r" + i, randomMatch(random), forward("c" + i)));
            }
            CompiledVirtualHost vh = new CompiledVirtualHost(host("vh", List.of("*"), routes.toArray(Route[]::new)));
            RouteIndex index = RouteIndex.build(vh.routes());
            assertThat(index).isNotNull();
            for (int q = 0; q < 300; q++) {
                TestRequest request = TestRequest.get("h", randomPath(random));
                if (random.nextBoolean()) {
                    request.header("x-version", VALUES[random.nextInt(VALUES.length)]);
                }
                if (random.nextBoolean()) {
                    request.header("x-user", VALUES[random.nextInt(VALUES.length)]);
                }
                String path = request.path();
                CompiledRoute expected = null;
                for (CompiledRoute r : vh.routes()) {
                    if (r.matcher().matches(request, path, null)) {
                        expected = r;
                        break;
                    }
                }
                assertThat(index.match(request, path, null)).as("table %d, path %s", table, path)
                        .isSameAs(expected);
            }
        }
    }

    @Test
    void lastOfManyPrefixRoutesAndCatchAll() {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            routes.add(route("r" + i, prefixMatch("/svc" + i + "/"), forward("c" + i)));
        }
        routes.add(route("all", prefixMatch("/"), forward("default")));
        CompiledVirtualHost vh = new CompiledVirtualHost(host("vh", List.of("*"), routes.toArray(Route[]::new)));
        assertThat(Routes.clusterOf(vh.match(TestRequest.get("h", "/svc999/x"), "/svc999/x", null)))
                .isEqualTo("c999");
        assertThat(Routes.clusterOf(vh.match(TestRequest.get("h", "/svc1/x"), "/svc1/x", null))).isEqualTo("c1");
        assertThat(Routes.clusterOf(vh.match(TestRequest.get("h", "/other"), "/other", null))).isEqualTo("default");
    }

    @Test
    void headerKeyedRoutesKeepFirstMatchOrder() {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            routes.add(route("r" + i, new RouteMatch(new PathMatch.Prefix("/"), true, List.of(new HeaderMatch(
                    "x-route", new StringMatcher.Exact("id" + i, false), false, false)), List.of()), forward("c" + i)));
        }
        routes.add(route("all", prefixMatch("/"), forward("default")));
        CompiledVirtualHost vh = new CompiledVirtualHost(host("vh", List.of("*"), routes.toArray(Route[]::new)));
        assertThat(Routes.clusterOf(vh.match(TestRequest.get("h", "/a").header("x-route", "id999"), "/a", null)))
                .isEqualTo("c999");
        assertThat(Routes.clusterOf(vh.match(TestRequest.get("h", "/a").header("x-route", "ID999"), "/a", null)))
                .isEqualTo("default");
        assertThat(Routes.clusterOf(vh.match(TestRequest.get("h", "/a"), "/a", null))).isEqualTo("default");
    }

    private static RouteMatch prefixMatch(String prefix) {
        return new RouteMatch(new PathMatch.Prefix(prefix), true, List.of(), List.of());
    }

    private static RouteMatch randomMatch(Random random) {
        String path = randomPath(random);
        PathMatch pathMatch = switch (random.nextInt(4)) {
            case 0, 1 -> new PathMatch.Prefix(path.substring(0, random.nextInt(path.length() + 1)));
            case 2 -> new PathMatch.Exact(path);
            default -> new PathMatch.Regex(Pattern.compile(Pattern.quote(path.substring(0, Math.min(2,
                    path.length()))) + ".*"));
        };
        boolean caseSensitive = random.nextInt(5) != 0;
        List<HeaderMatch> headers = random.nextInt(3) == 0
                ? List.of(new HeaderMatch(random.nextBoolean() ? "x-version" : "x-user",
                        new StringMatcher.Exact(VALUES[random.nextInt(VALUES.length)], random.nextInt(4) == 0),
                        random.nextInt(6) == 0, random.nextInt(4) == 0))
                : List.of();
        return new RouteMatch(pathMatch, caseSensitive, headers, List.of());
    }

    private static String randomPath(Random random) {
        StringBuilder path = new StringBuilder();
        int segments = 1 + random.nextInt(3);
        for (int i = 0; i < segments; i++) {
            path.append('/').append(SEGMENTS[random.nextInt(SEGMENTS.length)]);
        }
        return path.toString();
    }
}
