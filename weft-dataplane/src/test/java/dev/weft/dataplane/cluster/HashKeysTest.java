package dev.weft.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HashKeysTest {
    // Reference values from libxxhash 0.8.1 (XXH64).
    @Test
    void matchesXxHash64ReferenceValues() {
        assertThat(HashKeys.hashKey("")).isEqualTo(0xef46db3751d8e999L);
        assertThat(HashKeys.hashKey("abc")).isEqualTo(0x44bc2cf5ad770999L);
        assertThat(HashKeys.hashKey("reviews.default.svc.cluster.local:9080 with more than 32 bytes"))
                .isEqualTo(0x17740130b5e18f4fL);
        assertThat(HashKeys.hashKey("abc", 42)).isEqualTo(0x13c1d910702770e6L);
        assertThat(HashKeys.hashKey("reviews.default.svc.cluster.local:9080 with more than 32 bytes", 42))
                .isEqualTo(0x4ae79af0931906f6L);
    }

    @Test
    void hashesNonAsciiAsUtf8() {
        assertThat(HashKeys.hashKey("héllo wörld ünicode")).isEqualTo(0xbdc3d4b2c64547dfL);
    }

    @Test
    void acceptsAnyCharSequence() {
        assertThat(HashKeys.hashKey(new StringBuilder("abc"))).isEqualTo(HashKeys.hashKey("abc"));
    }
}
