package dev.weft.config;

/**
 * One problem in a config set. Any of file, kind, namespace, name, fieldPath may be null when not known; line is
 * 0 when not known. {@link #toString()} is the message users see, e.g.
 * {@code routes.yaml:14: VirtualService default/reviews: spec.http[0].route[1].weight: weights add up to 90, must be 100}.
 */
public record ConfigError(String file, int line, String kind, String namespace, String name, String fieldPath,
                          String message) {
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file);
            if (line > 0) {
                sb.append(':').append(line);
            }
            sb.append(": ");
        }
        if (kind != null) {
            sb.append(kind);
            if (name != null) {
                sb.append(' ').append(namespace == null ? "" : namespace + "/").append(name);
            }
            sb.append(": ");
        }
        if (fieldPath != null && !fieldPath.isEmpty()) {
            sb.append(fieldPath).append(": ");
        }
        return sb.append(message).toString();
    }
}
