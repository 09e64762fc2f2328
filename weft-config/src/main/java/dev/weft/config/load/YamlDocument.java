package dev.weft.config.load;

import com.fasterxml.jackson.databind.JsonNode;

/** One document of a multi-document YAML file, as a tree plus the lines its nodes came from. */
public record YamlDocument(String file, JsonNode root, LineIndex lines) {}
