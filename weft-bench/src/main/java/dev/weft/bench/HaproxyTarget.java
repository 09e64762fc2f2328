package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * HAProxy (the Debian package) as a keep-alive reverse proxy with two threads (its worker model since 2.x), in
 * the foreground as the current user, with its config and pid file in the target's temp folder.
 */
public record HaproxyTarget() implements Target {
    static final int THREADS = 2;

    @Override
    public String name() {
        return "haproxy";
    }

    @Override
    public String description() {
        return "client → HAProxy (" + THREADS + " threads, http-reuse always) → backend";
    }

    @Override
    public RunningTarget start(BenchContext context) throws TargetUnavailableException, IOException {
        String binary = Executables.require("haproxy", "apt-get install -y haproxy");
        Path dir = context.dirFor(name());
        int port = BenchContext.freePort();
        Path conf = dir.resolve("haproxy.cfg");
        Files.writeString(conf, config(dir, port, context.backendPort()));
        ManagedProcess process = context.processes().start(name(), List.of(binary, "-db", "-f", conf.toString()));
        return context.awaitRunning(name(), port, "backend", process);
    }

    static String config(Path dir, int port, int backendPort) {
        return """
                global
                    nbthread %d
                    maxconn 4096
                    pidfile %s/haproxy.pid
                defaults
                    mode http
                    option http-keep-alive
                    option forwardfor
                    http-reuse always
                    timeout connect 5s
                    timeout client 60s
                    timeout server 60s
                    timeout http-keep-alive 60s
                frontend bench
                    bind 127.0.0.1:%d
                    default_backend app
                backend app
                    server backend 127.0.0.1:%d
                """.formatted(THREADS, dir, port, backendPort);
    }
}
