package dev.weft.proxy.h2;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * HTTP/2 header blocks ⇄ the HTTP/1.1-shaped header maps of the request path, each converted once and directly (no
 * {@code x-http2-*} extension headers added and stripped again, no URI parsing): names stay the {@link AsciiString}s
 * the HPACK decoder made, pseudo-headers become the request line or status, and HTTP/1.1's connection-specific headers
 * never reach an HTTP/2 frame.
 */
final class H2HeaderConversion {
    /** Inbound HTTP/2 headers were validated by the HPACK decoder (server) or by the peer's sidecar (client). */
    private static final HttpHeadersFactory UNVALIDATED = DefaultHttpHeadersFactory.headersFactory()
            .withNameValidation(false).withValueValidation(false);
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");
    private static final AsciiString GRPC = AsciiString.cached("application/grpc");
    private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");
    private static final AsciiString COOKIE_SEPARATOR = AsciiString.cached("; ");

    private H2HeaderConversion() {}

    /** A fresh, unvalidated HTTP/1.1 header map (for converted heads and trailers). */
    static HttpHeaders newHttpHeaders() {
        return UNVALIDATED.newHeaders();
    }

    /**
     * The regular (non-pseudo) headers of {@code in} as HTTP/1.1 headers; {@code authority} (a request's
     * {@code :authority}, null for responses and trailers) becomes {@code Host} unless a {@code host} header is there.
     * Repeated {@code cookie} headers are joined with {@code "; "} (RFC 9113 §8.2.3).
     */
    static HttpHeaders toHttp1(Http2Headers in, CharSequence authority) {
        HttpHeaders out = UNVALIDATED.newHeaders();
        if (authority != null && !in.contains(HttpHeaderNames.HOST)) {
            out.add(HttpHeaderNames.HOST, authority);
        }
        for (Map.Entry<CharSequence, CharSequence> header : in) {
            CharSequence name = header.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            if (HttpHeaderNames.COOKIE.contentEqualsIgnoreCase(name)) {
                String previous = out.get(HttpHeaderNames.COOKIE);
                if (previous != null) {
                    out.set(HttpHeaderNames.COOKIE, previous + COOKIE_SEPARATOR + header.getValue());
                    continue;
                }
            }
            out.add(name, header.getValue());
        }
        return out;
    }

    /** The request head's HTTP/2 form: pseudo-headers from the request line and Host, then the regular headers. */
    static Http2Headers requestToHttp2(HttpMethod method, String uri, HttpHeaders in, AsciiString scheme) {
        Http2Headers out = new DefaultHttp2Headers(false, in.size() + 4); // pseudo-headers stay first whatever the order
        out.method(method.asciiName());
        out.path(uri);
        out.scheme(scheme);
        boolean grpc = false;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            AsciiString name = lowerCaseName(header.getKey());
            CharSequence value = header.getValue();
            if (isConnectionSpecific(name)) {
                if (HttpHeaderNames.HOST.contentEquals(name)) {
                    out.authority(value);
                } else if (HttpHeaderNames.TE.contentEquals(name) && isTrailers(value)) {
                    out.add(HttpHeaderNames.TE, TRAILERS);
                }
                continue;
            }
            if (!grpc && HttpHeaderNames.CONTENT_TYPE.contentEquals(name)) {
                grpc = GRPC.regionMatches(true, 0, value, 0, GRPC.length());
            }
            out.add(name, value);
        }
        if (grpc) {
            out.set(HttpHeaderNames.TE, TRAILERS); // gRPC servers insist; the HTTP/1.1 side stripped it as hop-by-hop
        }
        return out;
    }

    /** A response head's HTTP/2 form: {@code :status}, then the regular headers. */
    static Http2Headers responseToHttp2(HttpResponseStatus status, HttpHeaders in) {
        Http2Headers out = new DefaultHttp2Headers(false, in.size() + 1);
        out.status(status.codeAsText());
        copyRegular(in, out);
        return out;
    }

    /** Trailers: regular headers only. */
    static Http2Headers trailersToHttp2(HttpHeaders in) {
        Http2Headers out = new DefaultHttp2Headers(false, in.size());
        copyRegular(in, out);
        return out;
    }

    /** Lower-cased names; connection-specific headers (and Host, sent as :authority) left out; TE only "trailers". */
    private static void copyRegular(HttpHeaders in, Http2Headers out) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            AsciiString name = lowerCaseName(header.getKey());
            if (isConnectionSpecific(name)) {
                if (HttpHeaderNames.TE.contentEquals(name) && isTrailers(header.getValue())) {
                    out.add(HttpHeaderNames.TE, TRAILERS);
                }
                continue;
            }
            out.add(name, header.getValue());
        }
    }

    /**
     * The lower-case {@link AsciiString} of a header name: a shared constant for the names the request path sets
     * (often as {@code String}s) and clients commonly send (often capitalised), so neither costs a copy per request;
     * any other name is copied only when it is a {@code String} or has upper-case letters.
     */
    static AsciiString lowerCaseName(CharSequence name) {
        AsciiString known = KNOWN_NAMES[AsciiString.hashCode(name) & (KNOWN_NAMES.length - 1)];
        if (known != null && known.contentEqualsIgnoreCase(name)) {
            return known;
        }
        return AsciiString.of(name).toLowerCase(); // no copy when already an AsciiString in lower case
    }

    /** Open table by case-insensitive hash; a name whose slot is taken is simply not cached. */
    private static final AsciiString[] KNOWN_NAMES = new AsciiString[256];

    static {
        String[] names = {"host", "user-agent", "accept", "accept-encoding", "accept-language", "content-type",
            "content-length", "content-encoding", "cookie", "authorization", "cache-control", "origin", "referer",
            "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "proxy-connection", "date", "server",
            "x-request-id", "traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid",
            "x-b3-sampled", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-client-cert", "x-weft-attempt",
            "x-weft-deadline-ms", "x-weft-response-flags", "x-envoy-attempt-count", "x-envoy-expected-rq-timeout-ms",
            "x-envoy-peer-metadata", "x-envoy-peer-metadata-id", "grpc-timeout", "grpc-status", "grpc-message",
            "grpc-encoding", "grpc-accept-encoding"};
        for (String name : names) {
            int slot = AsciiString.hashCode(name) & (KNOWN_NAMES.length - 1);
            if (KNOWN_NAMES[slot] == null) {
                KNOWN_NAMES[slot] = AsciiString.cached(name);
            }
        }
    }

    /** RFC 9113 §8.2.2 (plus Host, which HTTP/2 carries as :authority). */
    static boolean isConnectionSpecific(AsciiString lowerCaseName) {
        return switch (lowerCaseName.length()) {
            case 2 -> HttpHeaderNames.TE.contentEquals(lowerCaseName);
            case 4 -> HttpHeaderNames.HOST.contentEquals(lowerCaseName);
            case 7 -> HttpHeaderNames.UPGRADE.contentEquals(lowerCaseName);
            case 10 -> HttpHeaderNames.CONNECTION.contentEquals(lowerCaseName)
                    || HttpHeaderNames.KEEP_ALIVE.contentEquals(lowerCaseName);
            case 14 -> HTTP2_SETTINGS.contentEquals(lowerCaseName);
            case 16 -> HttpHeaderNames.PROXY_CONNECTION.contentEquals(lowerCaseName);
            case 17 -> HttpHeaderNames.TRANSFER_ENCODING.contentEquals(lowerCaseName);
            default -> false;
        };
    }

    /** The method of a {@code :method} pseudo-header, without a String for the common ones. */
    static HttpMethod method(CharSequence name) {
        if (HttpMethod.GET.asciiName().contentEquals(name)) {
            return HttpMethod.GET;
        }
        if (HttpMethod.POST.asciiName().contentEquals(name)) {
            return HttpMethod.POST;
        }
        if (HttpMethod.PUT.asciiName().contentEquals(name)) {
            return HttpMethod.PUT;
        }
        if (HttpMethod.DELETE.asciiName().contentEquals(name)) {
            return HttpMethod.DELETE;
        }
        if (HttpMethod.HEAD.asciiName().contentEquals(name)) {
            return HttpMethod.HEAD;
        }
        return HttpMethod.valueOf(name.toString());
    }

    /** Whether a TE header's list names "trailers" (the one TE value HTTP/2 allows, RFC 9113 §8.2.2). */
    private static boolean isTrailers(CharSequence value) {
        for (String token : value.toString().split(",")) {
            int params = token.indexOf(';');
            if (TRAILERS.contentEqualsIgnoreCase((params < 0 ? token : token.substring(0, params)).trim())) {
                return true;
            }
        }
        return false;
    }
}
