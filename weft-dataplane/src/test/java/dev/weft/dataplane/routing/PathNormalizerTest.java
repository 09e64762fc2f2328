package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.PathNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Authorization's strict form: every spelling of a protected path normalizes to it, so none can slip past a rule
 * written for it. The connection manager's forms: Envoy's normalize_path / merge_slashes / escaped-slash actions.
 */
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

    private static final PathNormalization BASE = new PathNormalization(true, false, false);
    private static final PathNormalization MERGE = new PathNormalization(true, true, false);
    private static final PathNormalization DECODE_AND_MERGE = new PathNormalization(true, true, true);

    @ParameterizedTest(name = "{0} -> base {1}, merge {2}, decode+merge {3}")
    @CsvSource(delimiter = '|', value = {
            "/x | /x | /x | /x",
            "//x | //x | /x | /x",
            "/a/../x | /x | /x | /x",
            "/./x | /x | /x | /x",
            "/%2e%2e/x | /x | /x | /x",
            "/a/%2E./x | /x | /x | /x",
            "/a//../x | /a/x | /a/x | /a/x",
            "/a//../../x | /x | /x | /x",
            "/a// | /a// | /a/ | /a/",
            "/%78 | /x | /x | /x",
            "/a%2fb | /a%2fb | /a%2fb | /a/b",
            "/a%5Cb | /a%5Cb | /a%5Cb | /a/b",
            "/a\\b | /a/b | /a/b | /a/b",
            "/a%20b | /a%20b | /a%20b | /a%20b",
            "/q%3fx?a=/../b&c=%2F | /q%3fx?a=/../b&c=%2F | /q%3fx?a=/../b&c=%2F | /q%3fx?a=/../b&c=%2F",
            "//x/./y?z=1 | //x/y?z=1 | /x/y?z=1 | /x/y?z=1",
            "/x#frag | /x | /x | /x",
            "/ | / | / | /",
    })
    void connectionManagerModes(String raw, String base, String merge, String decodeAndMerge) {
        assertThat(PathNormalizer.normalize(raw, BASE)).isEqualTo(base);
        assertThat(PathNormalizer.normalize(raw, MERGE)).isEqualTo(merge);
        assertThat(PathNormalizer.normalize(raw, DECODE_AND_MERGE)).isEqualTo(decodeAndMerge);
    }

    @Test
    void anUnchangedPathIsTheSameStringAndNoneLeavesEverything() {
        String raw = "/api/v1/items?id=7";
        assertThat(PathNormalizer.normalize(raw, MERGE)).isSameAs(raw);
        assertThat(PathNormalizer.normalize("//a/../%2e", PathNormalization.NONE)).isEqualTo("//a/../%2e");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "", "/x%00", "/x%0a", "/bad%zzescape", "/trunc%2", "/tab\tin"})
    void connectionManagerRejectsWhatCannotBeNormalizedSafely(String raw) {
        assertThat(PathNormalizer.normalize(raw, MERGE)).isNull();
    }
}
