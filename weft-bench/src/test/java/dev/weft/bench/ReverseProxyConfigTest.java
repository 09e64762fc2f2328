package dev.weft.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated nginx and HAProxy configs pass the programs' own config checks (skipped where not installed). */
class ReverseProxyConfigTest {
    @TempDir
    Path dir;

    @Test
    void nginxAcceptsItsConfig() throws Exception {
        String nginx = installed("nginx");
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, NginxTarget.config(dir, 18080, 18081));
        Result r = run(List.of(nginx, "-t", "-p", dir.toString(), "-c", conf.toString(), "-e",
                dir.resolve("error.log").toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(Files.readString(conf)).contains("worker_processes 2;", "keepalive 256;",
                "server 127.0.0.1:18081;", "listen 127.0.0.1:18080;");
    }

    @Test
    void haproxyAcceptsItsConfig() throws Exception {
        String haproxy = installed("haproxy");
        Path conf = dir.resolve("haproxy.cfg");
        Files.writeString(conf, HaproxyTarget.config(dir, 18080, 18081));
        Result r = run(List.of(haproxy, "-c", "-f", conf.toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(Files.readString(conf)).contains("nbthread 2", "http-reuse always",
                "server backend 127.0.0.1:18081");
    }

    private static String installed(String name) {
        try {
            return Executables.require(name, "");
        } catch (TargetUnavailableException e) {
            assumeTrue(false, name + " is not installed");
            return null;
        }
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Result(p.waitFor(), out);
    }
}
