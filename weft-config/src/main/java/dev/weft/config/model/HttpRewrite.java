package dev.weft.config.model;

/** Istio {@code HTTPRewrite}: uri replaces the matched prefix (or the whole path for exact/regex matches). */
public record HttpRewrite(String uri, String authority, RegexRewrite uriRegexRewrite) {
    public record RegexRewrite(String match, String rewrite) {}
}
