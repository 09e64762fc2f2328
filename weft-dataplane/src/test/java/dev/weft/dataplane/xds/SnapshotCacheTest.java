package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCacheTest {
    @TempDir
    Path dir;

    static AppliedResources sample(String version) {
        return AppliedResources.EMPTY
                .with(XdsTypes.LISTENER, new AppliedResources.TypeResources(version,
                        Map.of("outbound", Any.pack(XdsFixtures.outboundListener(15001)))))
                .with(XdsTypes.CLUSTER, new AppliedResources.TypeResources("c" + version,
                        Map.of(XdsFixtures.REVIEWS, Any.pack(XdsFixtures.edsCluster(XdsFixtures.REVIEWS)))));
    }

    @Test
    void roundTripsAppliedResources() throws Exception {
        try (SnapshotCache cache = new SnapshotCache(dir.resolve("data"))) {
            cache.save(sample("7"));
            AppliedResources loaded = cache.load().orElseThrow();
            assertThat(loaded).isEqualTo(sample("7"));
            assertThat(loaded.get(XdsTypes.CLUSTER).version()).isEqualTo("c7");
        }
    }

    @Test
    void asyncWritesKeepTheNewest() throws Exception {
        try (SnapshotCache cache = new SnapshotCache(dir)) {
            for (int i = 0; i < 50; i++) {
                cache.saveAsync(sample(Integer.toString(i)));
            }
            cache.flush();
            assertThat(cache.load().orElseThrow().get(XdsTypes.LISTENER).version()).isEqualTo("49");
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly(SnapshotCache.FILE_NAME);
            }
        }
    }

    @Test
    void missingOrCorruptCacheIsIgnored() throws Exception {
        try (SnapshotCache cache = new SnapshotCache(dir)) {
            assertThat(cache.load()).isEmpty();
            Files.writeString(cache.file(), "garbage that is not a cache");
            assertThat(cache.load()).isEmpty();
            cache.save(sample("1"));
            byte[] whole = Files.readAllBytes(cache.file());
            Files.write(cache.file(), java.util.Arrays.copyOf(whole, whole.length - 20));
            assertThat(cache.load()).as("truncated").isEmpty();
        }
    }
}
