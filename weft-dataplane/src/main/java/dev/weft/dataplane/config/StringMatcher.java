package dev.weft.dataplane.config;

import java.util.regex.Pattern;

/** Envoy's StringMatcher: exact, prefix, suffix, contains or regex, optionally ignoring case. */
public sealed interface StringMatcher {
    boolean matches(String value);

    record Exact(String expected, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String v) {
            return ignoreCase ? expected.equalsIgnoreCase(v) : expected.equals(v);
        }
    }

    record Prefix(String prefix, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String v) {
            return v.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
        }
    }

    record Suffix(String suffix, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String v) {
            int start = v.length() - suffix.length();
            return start >= 0 && v.regionMatches(ignoreCase, start, suffix, 0, suffix.length());
        }
    }

    record Contains(String part, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String v) {
            if (!ignoreCase) {
                return v.contains(part);
            }
            // regionMatches instead of toLowerCase: no per-request allocation.
            for (int i = 0, last = v.length() - part.length(); i <= last; i++) {
                if (v.regionMatches(true, i, part, 0, part.length())) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Whole-value regex match, as Envoy's safe_regex requires. */
    record Regex(Pattern pattern) implements StringMatcher {
        public boolean matches(String v) {
            return pattern.matcher(v).matches();
        }
    }
}
