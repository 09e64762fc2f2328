package dev.weft.cli.demo;

import dev.weft.cli.launch.ChildProcess;
import dev.weft.cli.launch.ControlPlaneProcess;
import dev.weft.cli.launch.FreePorts;
import dev.weft.cli.launch.HttpProbe;
import dev.weft.cli.launch.LocalMesh;
import dev.weft.cli.launch.Sidecar;
import dev.weft.cli.launch.JoinTokens;
import dev.weft.cli.launch.SidecarSpec;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.demo.RatingsGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code weft demo}: brings up bookinfo on one machine (every service behind its own sidecar, all child processes),
 * then shows weighted routing, header routing, a live config change with measured counts, authorization of gRPC
 * calls to ratings, and the golden signals.
 */
public final class DemoRun {
    /** Every sample is known in the mesh by this port, as in Istio's bookinfo. */
    static final int SERVICE_PORT = 9080;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180); // 13 JVMs starting at once on a busy machine

    /** @param appProtocol what the app speaks ({@code weft proxy --app-protocol}): ratings is a gRPC service */
    private record Workload(String service, String version, String appProtocol) {
        Workload(String service, String version) {
            this(service, version, "http");
        }

        String name() {
            return service + "-" + version;
        }
    }

    private static final List<Workload> BOOKINFO = List.of(
            new Workload("productpage", "v1"), new Workload("details", "v1"), new Workload("reviews", "v1"),
            new Workload("reviews", "v2"), new Workload("reviews", "v3"), new Workload("ratings", "v1", "grpc"));

    private final LocalMesh mesh;
    private final PrintStream out;
    private final AtomicBoolean stopping;
    private final List<String> problems = new ArrayList<>();
    private final List<Sidecar> allSidecars = new ArrayList<>();
    private final HttpClient statsClient = HttpClient.newHttpClient();
    private ProductPageClient client;

    /** @param stopping set when the user asked to stop (Ctrl-C): the run ends quietly */
    public DemoRun(LocalMesh mesh, PrintStream out, AtomicBoolean stopping) {
        this.mesh = mesh;
        this.out = out;
        this.stopping = stopping;
    }

    /**
     * Runs the whole demo. {@code duration} null: keeps traffic going until interrupted; otherwise stops once the
     * walkthrough is done and the duration (counted from {@code startNanos}) has passed.
     *
     * @return problems seen (the mesh did something other than what the config says); empty when all went well
     */
    public List<String> run(Duration duration, long startNanos) throws IOException, InterruptedException {
        out.println("Weft demo: bookinfo on one machine, every service behind its own Weft sidecar");
        out.println("  work folder: " + mesh.workDir() + "  (config in config/, process logs in logs/)");
        out.println();
        DemoConfig.writeInitial(mesh.configDir());
        Sidecar productPageSidecar = startMesh();
        int productPagePort = productPageSidecar.spec().appPort();
        out.printf("Mesh ready in %.1f s.%n%n", (System.nanoTime() - startNanos) / 1e9);
        client = new ProductPageClient(productPagePort);

        warmUp();
        if (!stopping.get()) {
            showWeightedSplit();
        }
        if (!stopping.get()) {
            showHeaderRouting();
        }
        if (!stopping.get()) {
            showLiveChange();
        }
        if (!stopping.get()) {
            showAuthorization(productPageSidecar);
        }
        if (!stopping.get()) {
            showGoldenSignals();
        }
        keepTrafficFlowing(duration, startNanos);
        return problems;
    }

    /** What every sidecar's /stats/prometheus says about the traffic above: requests, errors, latency per service. */
    private void showGoldenSignals() {
        GoldenSignals signals = new GoldenSignals();
        for (Sidecar sidecar : allSidecars) {
            try {
                HttpResponse<String> page = statsClient.send(
                        HttpRequest.newBuilder(URI.create(sidecar.adminUrl("/stats/prometheus")))
                                .timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                signals.add(page.body());
            } catch (IOException e) {
                out.println("   (could not read " + sidecar.adminUrl("/stats/prometheus") + ": " + e.getMessage() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        out.println("5) Golden signals, as every sidecar reports them at /stats/prometheus (Istio's metric names):");
        out.print(signals.table("   "));
        out.println();
    }

    /**
     * The AuthorizationPolicy at work on gRPC: reviews got its ratings on every page above; the same call made as
     * productpage (through productpage's sidecar, so with productpage's SPIFFE identity) is refused by ratings' sidecar.
     */
    private void showAuthorization(Sidecar productPageSidecar) {
        out.println("4) Authorization. " + DemoConfig.AUTHORIZATION_POLICY_FILE + " lets only the reviews identity call"
                + " ratings' gRPC methods (/" + RatingsGrpc.SERVICE + "/*).");
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", productPageSidecar.outboundPort())
                .overrideAuthority("ratings:" + SERVICE_PORT).usePlaintext().proxyDetector(address -> null).build();
        Status status;
        try {
            ClientCalls.blockingUnaryCall(channel, RatingsGrpc.GET_RATINGS,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    new ObjectMapper().createObjectNode().put("id", "0"));
            status = Status.OK;
        } catch (StatusRuntimeException e) {
            status = e.getStatus();
        } finally {
            channel.shutdownNow();
        }
        out.printf("   %s called as productpage (spiffe://cluster.local/ns/default/sa/productpage): %s%s%n",
                RatingsGrpc.GET_RATINGS.getFullMethodName(), status.getCode(),
                status.getDescription() == null ? "" : " \"" + status.getDescription() + "\"");
        expect(status.getCode() == Status.Code.PERMISSION_DENIED,
                "authorization: productpage's call to ratings got " + status.getCode() + ", expected PERMISSION_DENIED");
        out.println();
    }

    private Sidecar startMesh() {
        ControlPlaneProcess controlPlane = mesh.startControlPlane();
        List<ChildProcess> apps = new ArrayList<>();
        for (Workload workload : BOOKINFO) {
            int appPort = FreePorts.next();
            Sidecar sidecar = mesh.createSidecar(SidecarSpec.of(workload.name(), workload.service(), workload.version(),
                    appPort, SERVICE_PORT));
            allSidecars.add(sidecar);
            apps.add(mesh.startDemoService(workload.name(), workload.service(), workload.version(), appPort,
                    sidecar.outboundPort()));
        }
        out.printf("Starting %d processes (control plane, %d services, %d sidecars)...%n",
                1 + apps.size() + allSidecars.size(), apps.size(), allSidecars.size());
        controlPlane.awaitReady(STARTUP_TIMEOUT);
        for (int i = 0; i < allSidecars.size(); i++) {
            // every sidecar gets a SPIFFE identity (service account = service): the mesh runs STRICT mTLS
            Workload workload = BOOKINFO.get(i);
            List<String> args = new ArrayList<>(JoinTokens.identityArgs(controlPlane, mesh.workDir().resolve("tokens"),
                    workload.name(), "default", workload.service()));
            args.addAll(List.of("--app-protocol", workload.appProtocol())); // ratings registers a grpc-9080 port
            allSidecars.get(i).extraArgs(args);
        }
        allSidecars.forEach(Sidecar::start);
        out.printf("  %-22s xDS over mTLS 127.0.0.1:%d (each sidecar bound to its certificate)   debug http://127.0.0.1:%d/debug/syncz%n",
                "control plane", controlPlane.xdsTlsPort(), controlPlane.httpPort());
        out.printf("  %-22s STRICT mesh-wide (PeerAuthentication istio-system/default); certificates at each sidecar's /certs%n",
                "mTLS");
        out.printf("  %-22s reviews v2/v3 call %s over gRPC (HTTP/2 sidecar to sidecar); only the reviews identity may (%s)%n",
                "gRPC + authorization", "ratings", DemoConfig.AUTHORIZATION_POLICY_FILE);
        for (int i = 0; i < allSidecars.size(); i++) {
            Sidecar sidecar = allSidecars.get(i);
            HttpProbe.awaitPort(apps.get(i), sidecar.spec().appPort(), STARTUP_TIMEOUT);
            sidecar.awaitReady(STARTUP_TIMEOUT);
            Workload workload = BOOKINFO.get(i);
            out.printf("  %-22s app :%-5d  sidecar inbound :%-5d outbound :%-5d admin http://127.0.0.1:%d/config_dump%n",
                    workload.service() + " " + workload.version()
                            + (workload.appProtocol().equals("grpc") ? " (gRPC)" : ""), sidecar.spec().appPort(),
                    sidecar.inboundPort(), sidecar.outboundPort(), sidecar.adminPort());
        }
        return allSidecars.getFirst();
    }

    /** Until every workload has registered and every sidecar knows its peers, some page loads fail; wait that out. */
    private void warmUp() throws InterruptedException {
        out.print("Waiting until every sidecar has its routes and endpoints");
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        boolean sawV1 = false;
        boolean sawV3 = false;
        boolean sawJasonV2 = false;
        int consecutiveOk = 0;
        PageResult last = null;
        while (!stopping.get() && System.nanoTime() < deadline) {
            last = client.load(null);
            PageResult jason = client.load("jason");
            if (last.ok() && jason.ok()) {
                consecutiveOk++;
                sawV1 |= "v1".equals(last.reviewsVersion());
                sawV3 |= "v3".equals(last.reviewsVersion());
                sawJasonV2 |= "v2".equals(jason.reviewsVersion());
            } else {
                consecutiveOk = 0;
                out.print('.');
                Thread.sleep(250);
            }
            if (sawV1 && sawV3 && sawJasonV2 && consecutiveOk >= 20) {
                out.println(" done.");
                out.println();
                return;
            }
        }
        if (!stopping.get()) {
            out.println();
            problems.add("the mesh did not serve every reviews version within " + STARTUP_TIMEOUT.toSeconds()
                    + " s (last: " + last + ")");
            out.println("  PROBLEM: " + problems.getLast());
        }
    }

    private void showWeightedSplit() {
        int requests = 400;
        out.println("1) Weighted split. " + DemoConfig.REVIEWS_ROUTES_FILE + " sends everyone but jason to reviews v1 (weight 50) and v3 (weight 50).");
        out.printf("   %d product page loads:%n", requests);
        PageCounts counts = drive(requests, null);
        out.print(counts.bars("     "));
        double v1Share = 100.0 * counts.count("v1") / requests;
        expect(counts.failed() == 0, "weighted split: " + counts.failed() + " failed requests (" + counts.lastError() + ")");
        expect(counts.count("v2") == 0, "weighted split: v2 served anonymous users");
        expect(v1Share > 40 && v1Share < 60, "weighted split: v1 got %.1f%%, expected about 50%%".formatted(v1Share));
        out.println();
    }

    private void showHeaderRouting() {
        int requests = 100;
        out.println("2) Header routing. The first route matches the header \"end-user: jason\" and sends it to reviews v2.");
        PageCounts jason = drive(requests, "jason");
        PageCounts anonymous = drive(requests, null);
        out.printf("   %d loads as jason:       %s%n", requests, jason.summary());
        out.printf("   %d anonymous loads:      %s%n", requests, anonymous.summary());
        expect(jason.count("v2") == requests, "header routing: jason got " + jason.summary() + ", expected only v2");
        expect(anonymous.count("v2") == 0, "header routing: anonymous users got v2");
        out.println();
    }

    private void showLiveChange() throws IOException, InterruptedException {
        out.println("3) Live config change. Rewriting " + DemoConfig.REVIEWS_ROUTES_FILE
                + " while traffic flows: everyone else now goes 100% to v3.");
        PageCounts during = new PageCounts();
        AtomicLong lastV1Nanos = new AtomicLong();
        AtomicBoolean changed = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> drivers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            drivers.add(Thread.ofVirtual().start(() -> {
                while (!done.get() && !stopping.get()) {
                    PageResult result = client.load(null);
                    if (changed.get()) {
                        during.add(result);
                    }
                    if ("v1".equals(result.reviewsVersion())) {
                        lastV1Nanos.set(System.nanoTime());
                    }
                }
            }));
        }
        Thread.sleep(500);
        long writtenAt = System.nanoTime();
        DemoConfig.write(mesh.configDir().resolve(DemoConfig.REVIEWS_ROUTES_FILE), DemoConfig.reviewsRoutes(0, 100));
        changed.set(true);
        // The change has taken effect once v1 stops appearing: wait for a quiet second with no v1 at all.
        long deadline = writtenAt + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline && !stopping.get()) {
            Thread.sleep(100);
            if (System.nanoTime() - Math.max(lastV1Nanos.get(), writtenAt) > Duration.ofSeconds(1).toNanos()) {
                break;
            }
        }
        done.set(true);
        for (Thread driver : drivers) {
            driver.join();
        }
        if (stopping.get()) {
            return;
        }
        double effectSeconds = Math.max(0, lastV1Nanos.get() - writtenAt) / 1e9;
        out.printf("   took effect within %.2f s of the file write (last v1 response); %d requests during the change: %s%n",
                effectSeconds, during.total(), during.summary());
        PageCounts after = drive(100, null);
        out.printf("   next 100 loads:          %s%n", after.summary());
        expect(after.count("v3") == 100, "live change: after the change got " + after.summary() + ", expected only v3");
        expect(during.failed() == 0, "live change: " + during.failed() + " requests failed during the change ("
                + during.lastError() + ")");
        out.println();
    }

    private void keepTrafficFlowing(Duration duration, long startNanos) throws InterruptedException {
        if (stopping.get()) {
            return;
        }
        if (duration != null && System.nanoTime() - startNanos >= duration.toNanos()) {
            return;
        }
        out.println(duration == null
                ? "Traffic keeps flowing; edit the YAML in " + mesh.configDir() + " and watch the split change. Ctrl-C stops everything."
                : "Traffic keeps flowing until the " + duration.toSeconds() + " s are up (Ctrl-C stops everything).");
        while (!stopping.get() && (duration == null || System.nanoTime() - startNanos < duration.toNanos())) {
            PageCounts window = new PageCounts();
            long windowEnd = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!stopping.get() && System.nanoTime() < windowEnd
                    && (duration == null || System.nanoTime() - startNanos < duration.toNanos())) {
                window.add(client.load(null));
                window.add(client.load("jason"));
                Thread.sleep(20);
            }
            if (!stopping.get() && window.total() > 0) {
                out.printf("   last %2.0f s: %s%n", 5.0, window.summary());
            }
        }
    }

    private PageCounts drive(int requests, String user) {
        PageCounts counts = new PageCounts();
        for (int i = 0; i < requests && !stopping.get(); i++) {
            counts.add(client.load(user));
        }
        return counts;
    }

    private void expect(boolean condition, String problem) {
        if (!condition && !stopping.get()) {
            problems.add(problem);
            out.println("   PROBLEM: " + problem);
        }
    }
}
