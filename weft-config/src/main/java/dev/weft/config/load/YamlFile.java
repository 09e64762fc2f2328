package dev.weft.config.load;

import java.util.List;

/**
 * A parsed YAML file: its non-empty documents, in order, and the problems met while reading (syntax errors stop
 * the file at that point; duplicate keys do not).
 */
public record YamlFile(String file, List<YamlDocument> documents, List<SourceProblem> problems) {
    public YamlFile {
        documents = List.copyOf(documents);
        problems = List.copyOf(problems);
    }

    /** A problem located by line (and, where known, the path inside the document). */
    public record SourceProblem(int line, FieldPath path, String message) {}
}
