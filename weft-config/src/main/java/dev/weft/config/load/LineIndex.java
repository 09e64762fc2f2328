package dev.weft.config.load;

import java.util.Map;

/** JSON pointer → 1-based source line for one YAML document; unknown paths fall back to their nearest ancestor. */
public final class LineIndex {
    public static final LineIndex NONE = new LineIndex(Map.of(), 0);

    private final Map<String, Integer> lines;
    private final int documentLine;

    public LineIndex(Map<String, Integer> lines, int documentLine) {
        this.lines = Map.copyOf(lines);
        this.documentLine = documentLine;
    }

    public int documentLine() {
        return documentLine;
    }

    public int lineOf(String pointer) {
        String p = pointer;
        while (!p.isEmpty()) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
        return documentLine;
    }

    public int lineOf(FieldPath path) {
        return lineOf(path.pointer());
    }
}
