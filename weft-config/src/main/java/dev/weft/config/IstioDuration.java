package dev.weft.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Istio's duration strings ("1s", "0.5s", "100ms", "1m", "1h", "1h30m", also "us"/"ns") as {@link Duration}.
 * Negative durations are rejected: no Istio field accepts them.
 */
public final class IstioDuration {
    private IstioDuration() {}

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration, expected e.g. \"1s\", \"0.5s\", \"100ms\", \"1m\"");
        }
        String s = text.trim();
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                throw invalid(text);
            }
            BigDecimal number;
            try {
                number = new BigDecimal(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw invalid(text);
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            long unitNanos = switch (s.substring(unitStart, i)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> throw invalid(text);
            };
            nanos = nanos.add(number.multiply(BigDecimal.valueOf(unitNanos)));
        }
        try {
            return Duration.ofNanos(nanos.setScale(0, java.math.RoundingMode.DOWN).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration \"" + text + "\" is out of range");
        }
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid duration \"" + text
                + "\", expected a number with a unit (h, m, s, ms, us, ns), e.g. \"1s\", \"0.5s\", \"100ms\", \"1m\"");
    }
}
