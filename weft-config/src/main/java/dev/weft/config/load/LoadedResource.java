package dev.weft.config.load;

import dev.weft.config.model.IstioResource;

/** A decoded resource together with the line index of the document it came from (for error positions). */
public record LoadedResource(IstioResource resource, LineIndex lines) {}
