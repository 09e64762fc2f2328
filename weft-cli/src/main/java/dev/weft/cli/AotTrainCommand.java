package dev.weft.cli;

import dev.weft.cli.launch.AotCache;
import dev.weft.cli.launch.ChildProcess;
import dev.weft.cli.launch.ControlPlaneProcess;
import dev.weft.cli.launch.FreePorts;
import dev.weft.cli.launch.HttpProbe;
import dev.weft.cli.launch.JoinTokens;
import dev.weft.cli.launch.LocalMesh;
import dev.weft.cli.launch.Sidecar;
import dev.weft.cli.launch.SidecarSpec;
import dev.weft.cli.launch.WeftLauncher;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft aot-train}: builds the distribution's start-up cache ({@link AotCache}) from a short run of a real
 * mesh on loopback: a control plane, an echo service with its sidecar, and two client sidecars, one plaintext and
 * one with mesh mTLS to the echo sidecar; a few dozen requests through each client sidecar, then a clean stop, at
 * which the first JVM started for each cache writes it ({@code -XX:AOTCacheOutput}): the plaintext client
 * {@code proxy.aot}, the mTLS client {@code proxy-mtls.aot}. A JVM loads every class of its cache at start, so the
 * training does only what every sidecar does (serve, {@code /ready}, {@code /stats/prometheus}), not the debug
 * endpoints. The launcher runs it once per build; it takes a few seconds of CPU per process.
 */
@Command(name = "aot-train", hidden = true, description = {
        "Create the start-up (AOT) cache of this distribution from a short training run of a local mesh.",
        "./weft runs it once per build; 'weft proxy', 'weft controlplane' and the demo use the cache when it is current."})
final class AotTrainCommand implements Callable<Integer> {
    private static final Duration STARTUP = Duration.ofSeconds(120);
    /** Writing a cache at exit runs a second JVM that links and compiles what the first one recorded. */
    private static final Duration DUMP_GRACE = Duration.ofSeconds(300);
    private static final int REQUESTS = 40;

    @Option(names = "--if-stale", description = "do nothing when the cache is current")
    boolean ifStale;

    @Option(names = "--jvm-flag", paramLabel = "FLAG", description = "a JVM flag of the trained processes, as the "
            + "launcher gives them (e.g. the sidecar's heap and GC flags: the cache records some of them)")
    List<String> jvmFlags = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        String classpath = System.getProperty("java.class.path");
        AotCache cache = AotCache.forClasspath(classpath).orElseThrow(() -> new IllegalArgumentException(
                "not started from a Weft distribution (weft-cli-*.jar and lib/): " + classpath));
        if (ifStale && cache.isCurrent()) {
            return 0;
        }
        Path dist = cache.directory().getParent();
        try (FileChannel lockFile = FileChannel.open(dist.resolve("aot.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
            if (ifStale && cache.isCurrent()) {
                return 0; // another launcher trained it while this one waited
            }
            train(cache, classpath, dist);
        }
        return 0;
    }

    private void train(AotCache cache, String classpath, Path dist) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path staging = dist.resolve("aot.training-" + ProcessHandle.current().pid());
        deleteTree(staging);
        Files.createDirectories(staging);
        Path work = Files.createTempDirectory("weft-aot-train-");
        Set<String> recording = ConcurrentHashMap.newKeySet();
        WeftLauncher launcher = new WeftLauncher(classpath, work.resolve("logs"), args -> {
            // full tiered compilation, as a sidecar runs (the launcher's children default to C1 only)
            List<String> flags = new ArrayList<>(List.of("-XX:TieredStopAtLevel=4"));
            flags.addAll(jvmFlags);
            String cacheName = AotCache.cacheName(args);
            if (AotCache.CACHES.contains(cacheName) && recording.add(cacheName)) {
                flags.add("-XX:AOTCacheOutput=" + staging.resolve(cacheName + ".aot"));
            }
            return flags;
        });
        try (LocalMesh mesh = new LocalMesh(launcher, work)) {
            int answered = runMesh(mesh, work);
            launcher.stopAll(DUMP_GRACE);
            for (String cacheName : AotCache.CACHES) {
                // a JVM stopped while it was still writing its cache (a very busy machine) leaves an empty file
                Path file = staging.resolve(cacheName + ".aot");
                if (!Files.isRegularFile(file) || Files.size(file) == 0) {
                    throw new IOException("training wrote no " + cacheName + ".aot (or an empty one); logs in "
                            + work.resolve("logs"));
                }
            }
            cache.writeStamp(staging);
            deleteTree(cache.directory());
            Files.move(staging, cache.directory(), StandardCopyOption.ATOMIC_MOVE);
            System.err.printf("weft: start-up cache in %s (%d requests through the training mesh, %.1f s)%n",
                    cache.directory(), answered, (System.nanoTime() - start) / 1e9);
            deleteTree(work);
        } finally {
            deleteTree(staging);
        }
    }

    /**
     * The training workload: every process reaches the state it is in when serving, and serves. The client sidecars
     * start before the echo sidecar, so they are the ones that record the two sidecar caches.
     */
    private static int runMesh(LocalMesh mesh, Path work) throws IOException, InterruptedException {
        // the plaintext client registers without a certificate, as a plaintext mesh lets it
        ControlPlaneProcess controlPlane = mesh.startControlPlane("--allow-unauthenticated-registration")
                .awaitReady(STARTUP);
        int appPort = FreePorts.next();
        ChildProcess app = mesh.startDemoService("echo", "echo", "v1", appPort, 0);
        Path tokens = work.resolve("tokens");
        Sidecar plainClient = mesh.createSidecar(SidecarSpec.of("client", "client", "v1", FreePorts.next(), 8080))
                .start();
        Sidecar mtlsClient = mesh.createSidecar(SidecarSpec.of("client-mtls", "client-mtls", "v1", FreePorts.next(),
                8080)).extraArgs(JoinTokens.identityArgs(controlPlane, tokens, "client-mtls", "default",
                "client-mtls")).start();
        Sidecar server = mesh.createSidecar(SidecarSpec.of("echo", "echo", "v1", appPort, 8080))
                .extraArgs(JoinTokens.identityArgs(controlPlane, tokens, "echo", "default", "echo")).start();
        HttpProbe.awaitPort(app, appPort, STARTUP);
        for (Sidecar sidecar : List.of(server, plainClient, mtlsClient)) {
            sidecar.awaitReady(STARTUP);
        }
        int answered = 0;
        for (Sidecar client : List.of(plainClient, mtlsClient)) {
            int through = requests(client);
            if (through == 0) {
                throw new IOException("no request got through the training mesh's " + client.spec().name()
                        + " sidecar; logs in " + work.resolve("logs"));
            }
            answered += through;
            // what is scraped and probed on every sidecar; /config_dump and /clusters are for debugging only
            for (String path : List.of("/ready", "/stats/prometheus")) {
                HttpProbe.awaitHttp200(client.process(), client.adminUrl(path), Duration.ofSeconds(10));
            }
        }
        return answered;
    }

    /** GETs and POSTs to the echo service through {@code client}'s outbound port; how many were answered. */
    private static int requests(Sidecar client) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", client.outboundPort())))
                .connectTimeout(Duration.ofSeconds(5)).build();
        int answered = 0;
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (answered < REQUESTS && System.nanoTime() < deadline) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://echo:8080/train/" + answered))
                    .timeout(Duration.ofSeconds(10));
            if (answered % 4 == 3) {
                request.POST(HttpRequest.BodyPublishers.ofString("training body " + answered));
            }
            try {
                if (http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    answered++;
                    continue;
                }
            } catch (IOException notYet) {
                // routes may still be arriving at the client sidecar
            }
            Thread.sleep(100);
        }
        return answered;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
