package dev.weft.dataplane.telemetry;

/**
 * Writes Prometheus' text exposition format (version 0.0.4) by hand. The format is a few lines of rules, and
 * writing it straight into one StringBuilder on the admin thread keeps scrapes cheap and the request path free of
 * any metrics library's registry.
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4";

    private PrometheusText() {}

    /** Appends {@code name="value"}, comma-separated from a previous label; escapes as the format requires. */
    public static void label(StringBuilder sb, String name, String value) {
        if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != '{') {
            sb.append(',');
        }
        sb.append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        sb.append('"');
    }

    public static void type(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** One sample line; {@code labels} is rendered label text without braces (may be empty). */
    public static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ');
        number(out, value);
        out.append('\n');
    }

    static void number(StringBuilder out, double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else if (Double.isInfinite(value)) {
            out.append(value > 0 ? "+Inf" : "-Inf");
        } else {
            out.append(value);
        }
    }

    /** Label text for a single label, for simple gauges. */
    public static String labels(String... nameValues) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i + 1 < nameValues.length; i += 2) {
            label(sb, nameValues[i], nameValues[i + 1]);
        }
        return sb.toString();
    }
}
