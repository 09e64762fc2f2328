package dev.weft.config.load;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import dev.weft.config.IstioDuration;
import java.io.IOException;
import java.time.Duration;

/** Binds Istio duration strings; a bare number is rejected because its unit would be a guess. */
final class DurationDeserializer extends StdScalarDeserializer<Duration> {
    DurationDeserializer() {
        super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            String text = p.getText();
            throw InvalidFormatException.from(p, "a duration must be a string with a unit, e.g. \"" + text
                    + "s\", got " + text, text, Duration.class);
        }
        String text = p.getText();
        try {
            return IstioDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw InvalidFormatException.from(p, e.getMessage(), text, Duration.class);
        }
    }
}
