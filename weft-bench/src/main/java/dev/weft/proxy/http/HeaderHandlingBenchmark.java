package dev.weft.proxy.http;

import dev.weft.dataplane.config.HeaderMutations;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The header work a sidecar does on every request it forwards, on a typical client request (curl/wrk-like headers
 * plus a keep-alive Connection header): hop-by-hop stripping, a route's header mutations, the request id. Lives in
 * the proxy's package to call its package-private helpers as the proxy does. Each benchmark starts from a fresh copy
 * of the request headers, as a decoded request would be: {@code copy} alone is the baseline to subtract.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@State(Scope.Thread)
public class HeaderHandlingBenchmark {
    private static final HeaderMutations MUTATIONS = new HeaderMutations(
            List.of(new HeaderMutations.Header("x-route", "reviews-v2")),
            List.of(new HeaderMutations.Header("x-envoy-upstream", "reviews")),
            List.of("x-debug"));

    private final HttpHeaders request = new DefaultHttpHeaders()
            .add("host", "reviews.default.svc.cluster.local:9080")
            .add("user-agent", "curl/8.5.0")
            .add("accept", "*/*")
            .add("accept-encoding", "gzip, deflate")
            .add("connection", "keep-alive")
            .add("keep-alive", "timeout=5")
            .add("x-debug", "1")
            .add("cookie", "session=6f1c2a7e9b; theme=dark");

    @Benchmark
    public HttpHeaders copy() {
        return request.copy();
    }

    @Benchmark
    public HttpHeaders stripHopByHop() {
        HttpHeaders headers = request.copy();
        HopByHopHeaders.strip(headers);
        return headers;
    }

    @Benchmark
    public HttpHeaders routeMutations() {
        HttpHeaders headers = request.copy();
        HeaderMutator.apply(MUTATIONS, headers);
        return headers;
    }

    @Benchmark
    public String requestId() {
        return RequestIdFilter.randomUuid();
    }

    /** The proxy's own header names a forwarded request gets (Weft's constants, as the filters set them). */
    private static final io.netty.util.AsciiString[] OWN_NAMES = {
            io.netty.handler.codec.http.HttpHeaderNames.HOST, RequestIdFilter.X_REQUEST_ID,
            ForwardedHeadersFilter.X_FORWARDED_FOR, ForwardedHeadersFilter.X_FORWARDED_PROTO,
            TrustedHeaderNames.of("x-envoy-peer-metadata"), TrustedHeaderNames.of("x-envoy-peer-metadata-id"),
            TrustedHeaderNames.of("traceparent"), TrustedHeaderNames.of("x-b3-traceid"),
            TrustedHeaderNames.of("x-b3-spanid"), TrustedHeaderNames.of("x-b3-sampled"),
            TrustedHeaderNames.of("x-weft-attempt")};

    private static HttpHeaders setOwnNames(HttpHeaders headers) {
        for (io.netty.util.AsciiString name : OWN_NAMES) {
            headers.set(name, "0123456789abcdef");
        }
        return headers;
    }

    /** Setting the proxy's own names on headers that validate every name (Netty's default factory). */
    @Benchmark
    public HttpHeaders ownNamesValidated() {
        return setOwnNames(io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().newHeaders());
    }

    /** The same on the decoders' headers ({@link TrustedHeaderNames}): own constants are not re-checked. */
    @Benchmark
    public HttpHeaders ownNamesTrusted() {
        return setOwnNames(TrustedHeaderNames.HEADERS.newHeaders());
    }

    /** The peer-metadata value a sidecar sends on every outbound request (a typical workload's, base64). */
    private static final String PEER_METADATA = dev.weft.dataplane.telemetry.PeerMetadataCodec.encode(
            dev.weft.dataplane.telemetry.Workload.fromLabels("reviews-v2-7d5b8c9f6-x2kqp", "default", "bookinfo-reviews",
                    java.util.Map.of("app", "reviews", "version", "v2")));
    private static final io.netty.util.AsciiString PEER_METADATA_TRUSTED = TrustedHeaderNames.value(PEER_METADATA);
    private static final io.netty.util.AsciiString PEER_METADATA_NAME = TrustedHeaderNames.of("x-envoy-peer-metadata");

    /** The peer-metadata header as a String value on Netty's default headers (name and value validated). */
    @Benchmark
    public HttpHeaders peerMetadataValidated() {
        HttpHeaders headers = io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().newHeaders();
        headers.set(PEER_METADATA_NAME, PEER_METADATA);
        return headers;
    }

    /** The same with the trusted constant value (as the proxy sets it now). */
    @Benchmark
    public HttpHeaders peerMetadataTrusted() {
        HttpHeaders headers = TrustedHeaderNames.HEADERS.newHeaders();
        headers.set(PEER_METADATA_NAME, PEER_METADATA_TRUSTED);
        return headers;
    }

    /** Everything above in the proxy's order, as one forwarded request pays it. */
    @Benchmark
    public HttpHeaders allOfAHop() {
        HttpHeaders headers = request.copy();
        HopByHopHeaders.strip(headers);
        HeaderMutator.apply(MUTATIONS, headers);
        if (!headers.contains(RequestIdFilter.X_REQUEST_ID)) {
            headers.set(RequestIdFilter.X_REQUEST_ID, RequestIdFilter.randomUuid());
        }
        return headers;
    }
}
