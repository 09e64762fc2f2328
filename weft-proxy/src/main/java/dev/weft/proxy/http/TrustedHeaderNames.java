package dev.weft.proxy.http;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Header validation that skips the proxy's own constants. Netty checks every name given to {@code HttpHeaders.set/add}
 * against RFC 9110's token grammar, and every value for forbidden characters; a request crosses a dozen sets of Weft's
 * own names (peer metadata, trace context, x-request-id, x-forwarded-*, Host, ...) whose content is fixed, and the
 * peer-metadata value (a few hundred characters, the same for the proxy's whole life), so checking them on every
 * request is wasted work. Names and values registered here are checked once, when registered; one is trusted only
 * when it is the very same {@link AsciiString} instance (identity, not equality), so anything else — everything a
 * client or upstream sends, config-supplied headers — is validated exactly as before (request smuggling defence
 * unchanged).
 */
public final class TrustedHeaderNames implements DefaultHeaders.NameValidator<CharSequence> {
    private static final DefaultHeaders.NameValidator<CharSequence> STANDARD =
            DefaultHttpHeadersFactory.headersFactory().getNameValidator();
    private static final DefaultHeaders.ValueValidator<CharSequence> STANDARD_VALUES =
            DefaultHttpHeadersFactory.headersFactory().getValueValidator();
    private static final TrustedHeaderNames INSTANCE = new TrustedHeaderNames();
    /** Constant values (a handful per proxy), compared by identity; replaced whole on registration. */
    private static volatile AsciiString[] values = new AsciiString[0];
    /** Open-addressing table by the name's (cached) hash; replaced whole on registration, read without locks. */
    private static volatile AsciiString[] table = new AsciiString[256];
    private static int size;

    /** The header factory for the HTTP/1.1 codecs' decoders: standard validation, own names trusted. */
    public static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
            .withNameValidator(INSTANCE).withValueValidator(TrustedHeaderNames::validateValue);

    static {
        // Netty's own constants (Host, Connection, Content-Length, ...), which the decoders also reuse for known names
        for (Field f : HttpHeaderNames.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == AsciiString.class) {
                try {
                    register((AsciiString) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private TrustedHeaderNames() {}

    /**
     * A header name constant for the proxy's own use: validated now (a bad name fails at class initialisation, not on
     * a request), then trusted by identity.
     */
    public static AsciiString of(String name) {
        AsciiString constant = AsciiString.cached(name);
        register(constant);
        return constant;
    }

    /**
     * A header value the proxy sends unchanged on many requests (its peer metadata, its node id): validated now, then
     * trusted by identity. As an {@link AsciiString} it is also written out by a byte copy, not char by char.
     */
    public static synchronized AsciiString value(String value) {
        for (AsciiString known : values) {
            if (known.contentEquals(value)) {
                return known; // one instance per distinct value, however many proxies a JVM (a test) runs
            }
        }
        AsciiString constant = new AsciiString(value);
        STANDARD_VALUES.validate(constant);
        AsciiString[] next = java.util.Arrays.copyOf(values, values.length + 1);
        next[values.length] = constant;
        values = next;
        return constant;
    }

    private static void validateValue(CharSequence value) {
        for (AsciiString trusted : values) {
            if (trusted == value) {
                return;
            }
        }
        STANDARD_VALUES.validate(value);
    }

    private static synchronized void register(AsciiString name) {
        STANDARD.validateName(name);
        if (contains(table, name)) {
            return;
        }
        AsciiString[] current = table;
        AsciiString[] next = new AsciiString[(size + 1) * 2 > current.length ? current.length * 2 : current.length];
        for (AsciiString existing : current) {
            if (existing != null) {
                insert(next, existing);
            }
        }
        insert(next, name);
        size++;
        table = next;
    }

    private static void insert(AsciiString[] into, AsciiString name) {
        int mask = into.length - 1;
        int i = name.hashCode() & mask;
        while (into[i] != null) {
            i = (i + 1) & mask;
        }
        into[i] = name;
    }

    private static boolean contains(AsciiString[] in, AsciiString name) {
        int mask = in.length - 1;
        for (int i = name.hashCode() & mask; ; i = (i + 1) & mask) {
            AsciiString slot = in[i];
            if (slot == null) {
                return false;
            }
            if (slot == name) {
                return true;
            }
        }
    }

    /** Whether {@code name} is one of the registered constants (the instance itself). */
    static boolean isTrusted(CharSequence name) {
        return name instanceof AsciiString ascii && contains(table, ascii);
    }

    @Override
    public void validateName(CharSequence name) {
        if (!isTrusted(name)) {
            STANDARD.validateName(name);
        }
    }
}
