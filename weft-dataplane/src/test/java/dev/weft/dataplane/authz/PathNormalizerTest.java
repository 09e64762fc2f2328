package dev.weft.dataplane.authz;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every spelling of a protected path normalizes to it, so none can slip past a rule written for it. */
class PathNormalizerTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/charge, /charge",
            "/admin/../charge, /charge",
            "//charge, /charge",
            "///charge//, /charge/",
            "/%2Fcharge, /charge",
            "/%2fcharge, /charge",
            "/%5Ccharge, /charge",
            "/\\charge, /charge",
            "/./charge, /charge",
            "/a/b/../../charge, /charge",
            "/../../charge, /charge",
            "/%2e%2e/charge, /charge",
            "/.%2E/charge, /charge",
            "/admin/%2E%2E/charge, /charge",
            "/ch%61rge, /charge",
            "/charge?x=/../admin, /charge",
            "/charge#frag, /charge",
            "/charge/., /charge/",
            "/admin/.., /",
            "/, /",
            "/a%20b, /a%20b",
            "/a%3fb, /a%3Fb",
            "/CHARGE, /CHARGE",
    })
    void normalizes(String raw, String expected) {
        assertThat(PathNormalizer.normalize(raw)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"charge", "", "/charge%00", "/charge%0a", "/bad%zzescape", "/trunc%2", "/tab\tin"})
    void rejectsWhatCannotBeNormalizedSafely(String raw) {
        assertThat(PathNormalizer.normalize(raw)).isNull();
    }
}
