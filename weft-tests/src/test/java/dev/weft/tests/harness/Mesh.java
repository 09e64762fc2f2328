package dev.weft.tests.harness;

import dev.weft.cli.launch.ControlPlaneProcess;
import dev.weft.cli.launch.FreePorts;
import dev.weft.cli.launch.LocalMesh;
import dev.weft.cli.launch.Sidecar;
import dev.weft.cli.launch.SidecarSpec;
import dev.weft.demo.DemoService;
import dev.weft.demo.DemoServiceOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A test mesh: a control plane and sidecars as real child processes, echo apps in the test JVM (real sockets all
 * the same), config written as YAML files. Close it to stop everything; a shutdown hook does it too.
 */
public final class Mesh implements AutoCloseable {
    public static final Duration STARTUP = Duration.ofSeconds(180); // JVM start-up alone took 60 s at load 30
    private static final HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * {@code weft proxy} flags every sidecar of every test mesh gets, from the system property {@code weft.test.proxyArgs}
     * (space-separated {@code --flag value} pairs): e.g. {@code -Dweft.test.proxyArgs="--xds-api delta"} runs the suite
     * with the proxies on delta xDS. A flag a test passes itself wins.
     */
    static final List<String> PROXY_ARGS = List.of(System.getProperty("weft.test.proxyArgs", "").trim().split("\\s+"))
            .stream().filter(a -> !a.isEmpty()).toList();

    private final LocalMesh mesh;
    private final List<Workload> workloads = new ArrayList<>();

    private Mesh(LocalMesh mesh) {
        this.mesh = mesh;
    }

    public static Mesh create(String name) {
        Path work = ProcessHarness.workDir(name);
        return new Mesh(new LocalMesh(ProcessHarness.launcher(work), work));
    }

    public Path configDir() {
        return mesh.configDir();
    }

    public Path workDir() {
        return mesh.workDir();
    }

    /** Writes (or replaces, in one atomic step) a config file. */
    public void writeConfig(String fileName, String yaml) {
        Path file = configDir().resolve(fileName);
        Path temp = configDir().resolve("." + fileName + ".tmp");
        try {
            Files.writeString(temp, yaml, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the control plane and waits until it is ready, so sidecars started next connect at once. Test meshes mix
     * plaintext sidecars with ones that have an identity, so unauthenticated registration is allowed (such endpoints
     * carry no service account); {@link #startSecureControlPlane} leaves it off, as in production.
     */
    public ControlPlaneProcess startControlPlane(String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--allow-unauthenticated-registration"));
        args.addAll(List.of(extraArgs));
        return mesh.startControlPlane(args.toArray(String[]::new)).awaitReady(STARTUP);
    }

    /** The control plane with its production default: only proxies with a workload certificate register endpoints. */
    public ControlPlaneProcess startSecureControlPlane(String... extraArgs) {
        return mesh.startControlPlane(extraArgs).awaitReady(STARTUP);
    }

    public ControlPlaneProcess controlPlane() {
        return mesh.controlPlane();
    }

    /** A sidecar (not started) with the test's flags plus the suite-wide {@link #PROXY_ARGS} it does not override. */
    private Sidecar createSidecar(SidecarSpec spec, List<String> testArgs) {
        return mesh.createSidecar(spec).extraArgs(withSuiteProxyArgs(testArgs));
    }

    static List<String> withSuiteProxyArgs(List<String> testArgs) {
        List<String> args = new ArrayList<>(testArgs);
        for (int i = 0; i < PROXY_ARGS.size(); i++) {
            String flag = PROXY_ARGS.get(i);
            boolean hasValue = i + 1 < PROXY_ARGS.size() && !PROXY_ARGS.get(i + 1).startsWith("--");
            if (!testArgs.contains(flag)) {
                args.add(flag);
                if (hasValue) {
                    args.add(PROXY_ARGS.get(i + 1));
                }
            }
            if (hasValue) {
                i++;
            }
        }
        return args;
    }

    /** An echo app reporting {@code version}, behind a sidecar registering it as {@code service} (labels app, version). */
    public Workload addEchoWorkload(String name, String service, String version, int servicePort,
                                    String... upstreams) {
        return addEchoWorkload(name, service, version, servicePort, List.of(), upstreams);
    }

    /** As above, with extra {@code weft proxy} flags for the sidecar (e.g. {@code --xds-api delta}). */
    public Workload addEchoWorkload(String name, String service, String version, int servicePort,
                                    List<String> sidecarArgs, String... upstreams) {
        try {
            DemoService app = DemoService.start(new DemoServiceOptions("echo", version, 0, null));
            SidecarSpec spec = SidecarSpec.of(name, service, version, app.port(), servicePort);
            spec = new SidecarSpec(spec.name(), spec.service(), spec.namespace(), spec.labels(), spec.appPort(),
                    spec.servicePort(), List.of(upstreams));
            Sidecar sidecar = createSidecar(spec, sidecarArgs).start();
            Workload workload = new Workload(name, app, sidecar);
            workloads.add(workload);
            return workload;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An echo workload whose sidecar has a workload identity: a join token for {@code serviceAccount} is minted on
     * the control plane's HTTP API and handed over with {@code --token-file}, so the sidecar speaks mesh mTLS.
     */
    public Workload addSecureEchoWorkload(String name, String service, String version, int servicePort,
                                          String serviceAccount, String... upstreams) {
        try {
            Path token = mintToken(name, "default", serviceAccount);
            DemoService app = DemoService.start(new DemoServiceOptions("echo", version, 0, null));
            SidecarSpec spec = SidecarSpec.of(name, service, version, app.port(), servicePort);
            spec = new SidecarSpec(spec.name(), spec.service(), spec.namespace(), spec.labels(), spec.appPort(),
                    spec.servicePort(), List.of(upstreams));
            Sidecar sidecar = createSidecar(spec, List.of("--service-account", serviceAccount,
                    "--token-file", token.toString(), "--ca-url", "http://127.0.0.1:" + mesh.controlPlane().httpPort()));
            sidecar.start();
            Workload workload = new Workload(name, app, sidecar);
            workloads.add(workload);
            return workload;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A join token file from the control plane's {@code POST /v1/tokens} (what {@code weft token create} calls). */
    public Path mintToken(String fileName, String namespace, String serviceAccount) throws IOException {
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(mesh.controlPlane().url(
                            "/v1/tokens?namespace=" + namespace + "&serviceAccount=" + serviceAccount + "&ttl=10m")))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("token mint failed: " + response.statusCode() + " " + response.body());
            }
            Path file = workDir().resolve("tokens").resolve(fileName + ".token");
            Files.createDirectories(file.getParent());
            Files.writeString(file, response.body());
            return file;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** A sidecar whose app port has nothing listening: the upstream is down. */
    public Workload addWorkloadWithoutApp(String name, String service, int servicePort) {
        Sidecar sidecar = createSidecar(SidecarSpec.of(name, service, "v1", FreePorts.next(), servicePort), List.of())
                .start();
        Workload workload = new Workload(name, null, sidecar);
        workloads.add(workload);
        return workload;
    }

    /**
     * A workload whose app the test runs itself (a misbehaving upstream, a forwarder): {@code startApp} gets the port
     * the app must listen on and its sidecar's outbound port, before the sidecar starts.
     */
    public Workload addTestAppWorkload(String name, String service, String version, int servicePort,
                                       java.util.function.BiConsumer<Integer, Integer> startApp) {
        int appPort = FreePorts.next();
        Sidecar sidecar = createSidecar(SidecarSpec.of(name, service, version, appPort, servicePort), List.of());
        startApp.accept(appPort, sidecar.outboundPort());
        sidecar.start();
        Workload workload = new Workload(name, null, sidecar);
        workloads.add(workload);
        return workload;
    }

    /**
     * Like {@link #addTestAppWorkload} with extra {@code weft proxy} flags (e.g. {@code --app-protocol grpc},
     * {@code --upstream greeter=PORT}).
     */
    public Workload addTestAppWorkload(String name, String service, String version, int servicePort,
                                       List<String> extraArgs, java.util.function.IntConsumer startApp) {
        int appPort = FreePorts.next();
        Sidecar sidecar = createSidecar(SidecarSpec.of(name, service, version, appPort, servicePort), extraArgs);
        startApp.accept(appPort);
        sidecar.start();
        Workload workload = new Workload(name, null, sidecar);
        workloads.add(workload);
        return workload;
    }

    public Workload workload(String name) {
        return workloads.stream().filter(w -> w.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no workload " + name));
    }

    /** Waits for the control plane's and every sidecar's /ready. */
    public Mesh awaitReady() {
        mesh.controlPlane().awaitReady(STARTUP);
        for (Workload workload : workloads) {
            workload.sidecar().awaitReady(STARTUP);
        }
        return this;
    }

    /** The test speaks as the app of {@code workload}: its requests go through that workload's sidecar. */
    public MeshClient clientOf(Workload workload) {
        return new MeshClient(workload.sidecar().outboundPort());
    }

    /** GET on the control plane's HTTP port. */
    public Reply controlPlaneGet(String path) throws IOException, InterruptedException {
        return plainGet(mesh.controlPlane().url(path));
    }

    public static Reply plainGet(String url) throws IOException, InterruptedException {
        // generous: a sidecar builds /config_dump's JSON printer and protobuf descriptors on the first request only,
        // which takes seconds on a loaded machine
        HttpResponse<String> response = plain.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.headers(), response.body());
    }

    @Override
    public void close() {
        mesh.close();
        for (Workload workload : workloads) {
            if (workload.app() != null) {
                workload.app().close();
            }
        }
    }
}
