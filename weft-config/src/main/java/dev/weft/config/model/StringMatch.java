package dev.weft.config.model;

/**
 * Istio {@code StringMatch}: in a valid config exactly one of exact, prefix, regex is set (regex is RE2 syntax,
 * checked with java.util.regex, and must match the whole value). An empty object ({@code {}}) is accepted by
 * Istio in header matches to mean "header present"; the validator allows that only where Istio does.
 */
public record StringMatch(String exact, String prefix, String regex) {
    public enum Type { EXACT, PREFIX, REGEX, PRESENT }

    public Type type() {
        if (exact != null) {
            return Type.EXACT;
        }
        if (prefix != null) {
            return Type.PREFIX;
        }
        if (regex != null) {
            return Type.REGEX;
        }
        return Type.PRESENT;
    }

    /** The value of whichever variant is set, null for PRESENT. */
    public String value() {
        return exact != null ? exact : prefix != null ? prefix : regex;
    }

    public int variantsSet() {
        return (exact != null ? 1 : 0) + (prefix != null ? 1 : 0) + (regex != null ? 1 : 0);
    }
}
