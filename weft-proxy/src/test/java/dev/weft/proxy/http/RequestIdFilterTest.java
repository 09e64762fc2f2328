package dev.weft.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RequestIdFilterTest {
    @Test
    void generatedIdsAreCanonicalRandomVersion4Uuids() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            String id = RequestIdFilter.randomUuid();
            UUID parsed = UUID.fromString(id);
            assertThat(parsed.version()).isEqualTo(4);
            assertThat(parsed.variant()).isEqualTo(2);
            assertThat(parsed.toString()).isEqualTo(id); // canonical: lower case, 8-4-4-4-12
            seen.add(id);
        }
        assertThat(seen).hasSize(2_000);
    }
}
