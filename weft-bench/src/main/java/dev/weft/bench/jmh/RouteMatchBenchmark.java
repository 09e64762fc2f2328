package dev.weft.bench.jmh;

import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.StringMatcher;
import dev.weft.dataplane.config.VirtualHost;
import dev.weft.dataplane.routing.CompiledRoute;
import dev.weft.dataplane.routing.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route matching over 1,000 routes, the way the proxy routes every request ({@link Router#route}).
 *
 * One virtual host with 1,000 routes of one {@code kind}, evaluated in order (Envoy's first-match semantics);
 * {@code position} says whether the request matches the first route, the last, or none (the whole list is
 * scanned). {@link VirtualHostLookupBenchmark} covers the other shape: many hosts with few routes each.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@State(Scope.Benchmark)
public class RouteMatchBenchmark {
    static final int ROUTES = 1_000;

    @Param({"prefix", "exact", "header", "regex"})
    public String kind;

    @Param({"first", "last", "miss"})
    public String position;

    private Router oneHost;
    private BenchRequest oneHostRequest;

    @Setup(Level.Trial)
    public void setUp() {
        List<Route> routes = new ArrayList<>(ROUTES);
        for (int i = 0; i < ROUTES; i++) {
            routes.add(route(i, match(kind, i)));
        }
        oneHost = Router.compile(new RouteTable("bench", List.of(
                new VirtualHost("bench", List.of("bench.local", "bench.local:80"), routes, HeaderMutations.NONE,
                        HeaderMutations.NONE))));
        int target = switch (position) {
            case "first" -> 0;
            case "last" -> ROUTES - 1;
            default -> -1;
        };
        String id = target < 0 ? "none" : id(target);
        String path = kind.equals("header") ? "/api/v1/items?x=1" : "/svc" + id + "/api/v1/items";
        oneHostRequest = new BenchRequest("GET", "bench.local", path,
                Map.of("x-route", id, "user-agent", "weft-bench", "accept", "*/*"));

        sanityCheck(target);
    }

    private void sanityCheck(int target) {
        checkRoutes(oneHost.route(oneHostRequest), target, kind + "/" + position);
    }

    @Benchmark
    public CompiledRoute oneHost() {
        return oneHost.route(oneHostRequest);
    }

    /** Refuses to measure a setup that does not route as described: a benchmark of the wrong path is worse than none. */
    static void checkRoutes(CompiledRoute matched, int target, String setup) {
        String expected = target < 0 ? null : "route-" + id(target);
        String actual = matched == null ? null : matched.route().name();
        if (!java.util.Objects.equals(expected, actual)) {
            throw new IllegalStateException("routing setup " + setup + " matched " + actual + ", expected " + expected);
        }
    }

    private static RouteMatch match(String kind, int i) {
        String id = id(i);
        return switch (kind) {
            case "prefix" -> new RouteMatch(new RouteMatch.PathMatch.Prefix("/svc" + id + "/"), true, List.of(),
                    List.of());
            case "exact" -> new RouteMatch(new RouteMatch.PathMatch.Exact("/svc" + id + "/api/v1/items"), true,
                    List.of(), List.of());
            case "header" -> new RouteMatch(new RouteMatch.PathMatch.Prefix("/"), true,
                    List.of(new RouteMatch.HeaderMatch("x-route", new StringMatcher.Exact(id, false), false, false)),
                    List.of());
            case "regex" -> new RouteMatch(new RouteMatch.PathMatch.Regex(Pattern.compile("/svc" + id + "/api/.*")),
                    true, List.of(), List.of());
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        };
    }

    static Route route(int i, RouteMatch match) {
        RouteAction action = new RouteAction.Forward(List.of(new RouteAction.WeightedCluster(
                "outbound|8080||service-" + id(i) + ".default.svc.cluster.local", 100, HeaderMutations.NONE,
                HeaderMutations.NONE)), null, null, null, Duration.ZERO, List.of(), null);
        return new Route("route-" + id(i), match, action, HeaderMutations.NONE, HeaderMutations.NONE);
    }

    static String id(int i) {
        return String.format("%04d", i);
    }
}
