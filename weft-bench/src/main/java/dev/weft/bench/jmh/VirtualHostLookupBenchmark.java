package dev.weft.bench.jmh;

import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.VirtualHost;
import dev.weft.dataplane.routing.CompiledRoute;
import dev.weft.dataplane.routing.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * A mesh's outbound route table: 1,000 virtual hosts (one per service, each with its short name, FQDN and
 * {@code :port} forms as domains) and one prefix route each. The request names one service with a port, so the
 * cost is the domain lookup (exact, then without the port) plus one route.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@State(Scope.Benchmark)
public class VirtualHostLookupBenchmark {
    @Param({"first", "last", "miss"})
    public String position;

    private Router router;
    private BenchRequest request;

    @Setup(Level.Trial)
    public void setUp() {
        List<VirtualHost> hosts = new ArrayList<>(RouteMatchBenchmark.ROUTES);
        for (int i = 0; i < RouteMatchBenchmark.ROUTES; i++) {
            String name = "service-" + RouteMatchBenchmark.id(i);
            String fqdn = name + ".default.svc.cluster.local";
            hosts.add(new VirtualHost(fqdn, List.of(fqdn, fqdn + ":8080", name, name + ":8080"),
                    List.of(RouteMatchBenchmark.route(i,
                            new RouteMatch(new RouteMatch.PathMatch.Prefix("/"), true, List.of(), List.of()))),
                    HeaderMutations.NONE, HeaderMutations.NONE));
        }
        router = Router.compile(new RouteTable("outbound", hosts));
        int target = switch (position) {
            case "first" -> 0;
            case "last" -> RouteMatchBenchmark.ROUTES - 1;
            default -> -1;
        };
        String authority = target < 0 ? "unknown-service:8080" : "service-" + RouteMatchBenchmark.id(target) + ":8080";
        request = new BenchRequest("GET", authority, "/api/v1/items", Map.of("accept", "*/*"));
        RouteMatchBenchmark.checkRoutes(router.route(request), target, "manyHosts/" + position);
    }

    @Benchmark
    public CompiledRoute route() {
        return router.route(request);
    }
}
