package dev.weft.config.load;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads multi-document YAML with Jackson's streaming parser into JsonNode trees, recording the line of every
 * key and list item so later binding and validation errors can point at the source line.
 */
public final class YamlReader {
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private YamlReader() {}

    public static YamlFile read(String file, String text) {
        List<YamlDocument> documents = new ArrayList<>();
        List<YamlFile.SourceProblem> problems = new ArrayList<>();
        Map<String, JsonNode> anchors = new HashMap<>();
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                int line = lineOf(p.currentTokenLocation());
                Map<String, Integer> lines = new HashMap<>();
                anchors.clear();
                JsonNode root = readValue(p, t, FieldPath.ROOT, lines, problems, anchors);
                if (isEmptyDocument(root)) {
                    continue;
                }
                documents.add(new YamlDocument(file, root, new LineIndex(lines, line)));
            }
        } catch (JsonProcessingException e) {
            problems.add(new YamlFile.SourceProblem(lineOf(e.getLocation()), null,
                    "invalid YAML: " + cleanMessage(e.getOriginalMessage())));
        } catch (IOException e) {
            problems.add(new YamlFile.SourceProblem(0, null, "cannot read: " + e.getMessage()));
        }
        return new YamlFile(file, documents, problems);
    }

    private static boolean isEmptyDocument(JsonNode root) {
        return root.isNull() || root.isMissingNode() || (root.isTextual() && root.asText().isBlank());
    }

    /** Reads one value; YAML anchors are remembered and aliases expand to a copy, as kubectl's YAML→JSON does. */
    private static JsonNode readValue(JsonParser p, JsonToken t, FieldPath path, Map<String, Integer> lines,
                                      List<YamlFile.SourceProblem> problems, Map<String, JsonNode> anchors)
            throws IOException {
        if (p instanceof YAMLParser yp && yp.isCurrentAlias()) {
            JsonNode target = anchors.get(p.getText());
            if (target == null) {
                problems.add(new YamlFile.SourceProblem(lineOf(p.currentTokenLocation()), path,
                        "YAML alias *" + p.getText() + " refers to no anchor defined before it"));
                return NODES.nullNode();
            }
            return target.deepCopy();
        }
        String anchor = p.getObjectId() instanceof String a ? a : null;
        JsonNode value = readPlain(p, t, path, lines, problems, anchors);
        if (anchor != null) {
            anchors.put(anchor, value);
        }
        return value;
    }

    private static JsonNode readPlain(JsonParser p, JsonToken t, FieldPath path, Map<String, Integer> lines,
                                      List<YamlFile.SourceProblem> problems, Map<String, JsonNode> anchors)
            throws IOException {
        switch (t) {
            case START_OBJECT -> {
                ObjectNode obj = NODES.objectNode();
                JsonToken next;
                while ((next = p.nextToken()) != JsonToken.END_OBJECT) {
                    if (next != JsonToken.FIELD_NAME) {
                        throw new IllegalStateException("unexpected token " + next);
                    }
                    String name = p.currentName();
                    int line = lineOf(p.currentTokenLocation());
                    FieldPath child = path.key(name);
                    JsonNode value = readValue(p, p.nextToken(), child, lines, problems, anchors);
                    if (obj.has(name)) {
                        problems.add(new YamlFile.SourceProblem(line, child,
                                "duplicate key \"" + name + "\" (first at line " + lines.get(child.pointer()) + ")"));
                        continue;
                    }
                    lines.put(child.pointer(), line);
                    obj.set(name, value);
                }
                return obj;
            }
            case START_ARRAY -> {
                ArrayNode arr = NODES.arrayNode();
                JsonToken next;
                int i = 0;
                while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
                    FieldPath child = path.index(i++);
                    lines.put(child.pointer(), lineOf(p.currentTokenLocation()));
                    arr.add(readValue(p, next, child, lines, problems, anchors));
                }
                return arr;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDecimalValue());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            case VALUE_EMBEDDED_OBJECT -> {
                return NODES.textNode(p.getText());
            }
            default -> throw new IllegalStateException("unexpected token " + t);
        }
    }

    static int lineOf(JsonLocation location) {
        return location == null ? 0 : Math.max(location.getLineNr(), 0);
    }

    private static String cleanMessage(String message) {
        if (message == null) {
            return "syntax error";
        }
        // SnakeYAML messages interleave "context / problem" lines with indented location and snippet lines;
        // the line number is reported separately, so keep only the prose.
        StringBuilder sb = new StringBuilder();
        for (String l : message.lines().toList()) {
            if (l.isBlank() || Character.isWhitespace(l.charAt(0))) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : ": ").append(l.strip());
        }
        return sb.isEmpty() ? message.strip() : sb.toString();
    }
}
