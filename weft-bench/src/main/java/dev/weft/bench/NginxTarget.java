package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * nginx (the Debian package) as a keep-alive reverse proxy with two worker processes, run in the foreground as
 * the current user with every file it writes in the target's temp folder.
 */
public record NginxTarget() implements Target {
    static final int WORKERS = 2;

    @Override
    public String name() {
        return "nginx";
    }

    @Override
    public String description() {
        return "client → nginx (" + WORKERS + " workers, upstream keepalive) → backend";
    }

    @Override
    public RunningTarget start(BenchContext context) throws TargetUnavailableException, IOException {
        String binary = Executables.require("nginx", "apt-get install -y nginx");
        Path dir = context.dirFor(name());
        int port = BenchContext.freePort();
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config(dir, port, context.backendPort()));
        ManagedProcess process = context.processes().start(name(), List.of(binary, "-p", dir.toString(),
                "-c", conf.toString(), "-e", dir.resolve("error.log").toString()));
        return context.awaitRunning(name(), port, "backend", process);
    }

    static String config(Path dir, int port, int backendPort) {
        // Workers of a root master drop to "nobody" unless told otherwise: keep them as the current user.
        String user = "root".equals(System.getProperty("user.name")) ? "user root root;\n" : "";
        return user + """
                worker_processes %d;
                daemon off;
                master_process on;
                pid %s/nginx.pid;
                error_log %s/error.log warn;
                events {
                    worker_connections 8192;
                }
                http {
                    access_log off;
                    client_body_temp_path %s/client_body;
                    proxy_temp_path %s/proxy;
                    fastcgi_temp_path %s/fastcgi;
                    uwsgi_temp_path %s/uwsgi;
                    scgi_temp_path %s/scgi;
                    keepalive_requests 1000000;
                    upstream backend {
                        server 127.0.0.1:%d;
                        keepalive 256;
                        keepalive_requests 1000000;
                    }
                    server {
                        listen 127.0.0.1:%d;
                        location / {
                            proxy_pass http://backend;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_set_header Host $host;
                            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                            proxy_set_header X-Forwarded-Proto $scheme;
                            proxy_buffering off;
                        }
                    }
                }
                """.formatted(WORKERS, dir, dir, dir, dir, dir, dir, dir, backendPort, port);
    }
}
