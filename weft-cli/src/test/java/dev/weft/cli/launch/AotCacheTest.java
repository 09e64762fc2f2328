package dev.weft.cli.launch;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class AotCacheTest {
    @TempDir
    Path dist;

    @Test
    void aCacheIsUsedOnlyWhileItsStampMatchesTheJars() throws Exception {
        Path cli = Files.writeString(dist.resolve("weft-cli-1.0.jar"), "cli");
        Path lib = Files.createDirectories(dist.resolve("lib"));
        Path dep = Files.writeString(lib.resolve("dep-1.0.jar"), "dep");
        AotCache cache = AotCache.forClasspath(cli + File.pathSeparator + lib + "/*").orElseThrow();
        assertThat(cache.classpath()).isEqualTo(cli + File.pathSeparator + lib + File.separator + "*");
        assertThat(cache.isCurrent()).isFalse();
        assertThat(cache.jvmFlags("proxy")).isEmpty();

        Files.createDirectories(cache.directory());
        for (String cacheName : AotCache.CACHES) {
            Files.writeString(cache.file(cacheName), "trained");
        }
        cache.writeStamp(cache.directory());
        assertThat(cache.isCurrent()).isTrue();
        assertThat(cache.jvmFlags("proxy")).containsExactly("-XX:AOTCache=" + cache.file("proxy"), "-Xlog:aot=off",
                "-Xlog:cds=off");
        assertThat(cache.jvmFlags("validate")).as("a command without a cache").isEmpty();
        assertThat(cache.jvmFlags(List.of("proxy", "--service", "a", "--token-file", "a.token")))
                .as("a sidecar with a join token: the cache trained with mesh mTLS")
                .containsExactly("-XX:AOTCache=" + cache.file("proxy-mtls"), "-Xlog:aot=off", "-Xlog:cds=off");
        assertThat(cache.jvmFlags(List.of("proxy", "--token-file=a.token"))).first()
                .isEqualTo("-XX:AOTCache=" + cache.file("proxy-mtls"));
        assertThat(cache.jvmFlags(List.of("proxy", "--service", "a"))).first()
                .isEqualTo("-XX:AOTCache=" + cache.file("proxy"));

        Files.setLastModifiedTime(dep, FileTime.from(Instant.now().plusSeconds(5))); // a rebuilt dependency
        assertThat(cache.isCurrent()).isFalse();
        assertThat(cache.jvmFlags("proxy")).isEmpty();
    }

    @Test
    void onlyADistributionClasspathHasACache() throws Exception {
        Files.createDirectories(dist.resolve("classes"));
        assertThat(AotCache.forClasspath(dist.resolve("classes") + File.pathSeparator + "x.jar")).isEmpty();
        Path cli = Files.writeString(dist.resolve("weft-cli-1.0.jar"), "cli");
        assertThat(AotCache.forClasspath(cli.toString())).as("no lib/ beside it").isEmpty();
    }
}
