package dev.weft.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StringMatcherTest {
    @Test
    void matchesLikeEnvoy() {
        assertThat(new StringMatcher.Exact("Jason", true).matches("jASON")).isTrue();
        assertThat(new StringMatcher.Exact("Jason", false).matches("jason")).isFalse();
        assertThat(new StringMatcher.Prefix("/API", true).matches("/api/v1")).isTrue();
        assertThat(new StringMatcher.Prefix("/api/v1/x", false).matches("/api")).isFalse();
        assertThat(new StringMatcher.Suffix(".JS", true).matches("app.js")).isTrue();
        assertThat(new StringMatcher.Suffix("longer-than-value", false).matches("value")).isFalse();
        assertThat(new StringMatcher.Contains("Mid", true).matches("a-mId-b")).isTrue();
        assertThat(new StringMatcher.Contains("Mid", true).matches("a-mi")).isFalse();
        assertThat(new StringMatcher.Contains("", true).matches("")).isTrue();
        assertThat(new StringMatcher.Contains("Mid", false).matches("a-mid-b")).isFalse();
        assertThat(new StringMatcher.Regex(Pattern.compile("v[0-9]")).matches("v2")).isTrue();
        assertThat(new StringMatcher.Regex(Pattern.compile("v[0-9]")).matches("v22")).as("whole value").isFalse();
    }
}
