package dev.weft.proxy.http;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.routing.CompiledRoute;
import dev.weft.dataplane.routing.PathNormalizer;
import dev.weft.dataplane.routing.RequestHash;
import dev.weft.dataplane.routing.RequestHead;
import dev.weft.dataplane.routing.Router;
import dev.weft.proxy.view.DataPlaneView;
import dev.weft.proxy.telemetry.ExchangeRecord;
import dev.weft.proxy.view.ListenerRuntime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One request/response exchange on a downstream connection: filters, routing, and the hand-off to an upstream
 * attempt. Lives on the connection's event loop; every method runs there.
 */
public final class HttpExchange implements RequestHead {
    public static final AsciiString RESPONSE_FLAGS = TrustedHeaderNames.of("x-weft-response-flags");
    private static final AsciiString ATTEMPT = TrustedHeaderNames.of(dev.weft.dataplane.retry.RetryHeaders.ATTEMPT);
    private static final AsciiString ENVOY_ATTEMPT_COUNT =
            TrustedHeaderNames.of(dev.weft.dataplane.retry.RetryHeaders.ENVOY_ATTEMPT_COUNT);
    private static final AsciiString DEADLINE_MS = TrustedHeaderNames.of(dev.weft.dataplane.retry.RetryHeaders.DEADLINE_MS);
    private static final AsciiString ENVOY_EXPECTED_TIMEOUT_MS =
            TrustedHeaderNames.of(dev.weft.dataplane.retry.RetryHeaders.ENVOY_EXPECTED_TIMEOUT_MS);
    private static final AsciiString GRPC_TIMEOUT = TrustedHeaderNames.of(dev.weft.proxy.grpc.GrpcRequests.GRPC_TIMEOUT);

    private final DownstreamHandler connection;
    private final HttpRequest request;
    private final DataPlaneView view;
    private final String listenerName;
    private final ChannelHandlerContext ctx;
    private String authority;
    private String path;
    private boolean downstreamKeepAlive;
    private boolean expectContinue;
    private boolean continueSent;
    private boolean head;
    private HttpVersion downstreamVersion;

    private ListenerRuntime listener;
    private CompiledRoute route;
    private boolean routeResolved;
    /** Mirror copies waiting for the request body, null when none (see {@link MirrorCopies}). */
    private MirrorCopies mirrorCopies;
    private RouteAction.WeightedCluster weightedCluster;
    private RequestHash hash;
    private UpstreamAttempt attempt;
    private ScheduledFuture<?> timeout;
    private long timeoutMillis;
    private boolean retryBodyTooLarge;

    private boolean requestComplete;
    private boolean responseStarted;
    private boolean responseComplete;
    private boolean finished;
    private boolean replayedOnFreshConnection;
    /** Times this request went again after a GOAWAY refused its stream (see {@link #onStreamRefused}). */
    private int refusedStreamReplays;
    private static final int MAX_REFUSED_STREAM_REPLAYS = 3;
    /** The route's retry policy, null when it retries nothing. */
    private dev.weft.dataplane.retry.RetryPolicy retryPolicy;
    /** The request came with an earlier hop's retry marker (see {@link RetryState}). */
    private boolean markedUpstream;
    /**
     * Retry bookkeeping (see {@link RetryState}), made on first need — a request body to keep for replay, or a
     * failure to judge — so a request that goes through at the first try costs no retry objects; null until then.
     */
    private RetryState retry;
    private Cluster cluster;
    private ScheduledFuture<?> perTryTimer;
    private boolean retryPending;
    private long deadlineNanos;
    /** When the caller stops waiting (from its deadline header, counted from this request's arrival), 0 if never. */
    private long callerDeadlineNanos;
    private boolean trafficCounted;
    /** A gRPC request (content-type application/grpc): its deadline travels as grpc-timeout, its status may be in the head. */
    private boolean grpc;
    private boolean completed;
    /** The fault-injection delay under way (route {@code fault.delay}), null when none. */
    private ScheduledFuture<?> faultDelay;
    /** Whether this request was delayed by fault injection: its response carries the {@code DI} flag. */
    private boolean faultDelayed;
    /** Request body read while the fault delay ran; handed on (or dropped) once it ends. */
    private java.util.ArrayDeque<HttpContent> heldDuringFaultDelay;
    /** The gRPC status of a gRPC fault abort, -1 otherwise. */
    private int faultGrpcStatus = -1;
    /** The {@code Upgrade} header of a request asking to switch protocols (WebSocket), null for ordinary ones. */
    private String upgrade;
    /** What telemetry reports about this exchange (sizes, status, upstream); filled in as it goes. */
    private final ExchangeRecord record = new ExchangeRecord();
    /** The filter awaiting an external check (see {@link #runFilters}), -1 when none. */
    private int suspendedFilter = -1;
    /** Headers a filter asked to add to the downstream response, null when none. */
    private HttpHeaders downstreamResponseHeaders;
    /** What the jwt_authn filter decided (RequestAuthentication), null when it did not run. */
    private dev.weft.dataplane.authn.JwtAuthnConfig.Outcome authnOutcome;

    HttpExchange(DownstreamHandler connection, HttpRequest request, DataPlaneView view, String listenerName) {
        this.connection = connection;
        this.request = request;
        this.view = view;
        this.listenerName = listenerName;
        this.ctx = connection.context();
    }

    // ---- RequestHead, for routing and filters

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String authority() {
        return authority;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String scheme() {
        return "http";
    }

    @Override
    public String header(String name) {
        HttpHeaders headers = request.headers();
        String first = headers.get(name);
        if (first == null) {
            return null;
        }
        java.util.List<String> all = headers.getAll(name);
        return all.size() == 1 ? first : String.join(",", all); // Envoy matches repeated headers joined by ','
    }

    @Override
    public String sourceAddress() {
        return connection.sourceAddress();
    }

    /** The request headers as they will be sent upstream; filters may change them. */
    public HttpHeaders requestHeaders() {
        return request.headers();
    }

    public String listenerName() {
        return listenerName;
    }

    /** The route chosen for this request, null before routing or when none matched. */
    public CompiledRoute route() {
        return route;
    }

    public ExchangeRecord record() {
        return record;
    }

    /** The jwt_authn outcome for this request (its verified token feeds authorization), null when none ran. */
    public dev.weft.dataplane.authn.JwtAuthnConfig.Outcome authnOutcome() {
        return authnOutcome;
    }

    public void authnOutcome(dev.weft.dataplane.authn.JwtAuthnConfig.Outcome outcome) {
        this.authnOutcome = outcome;
    }

    /** The downstream request's HTTP version as sent, e.g. {@code HTTP/1.1}. */
    public String protocolVersion() {
        if (ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel) {
            return "HTTP/2"; // the stream codec presents HTTP/2 requests as HTTP/1.1 objects
        }
        return (downstreamVersion != null ? downstreamVersion : request.protocolVersion()).text();
    }

    /** Whether the request came in over HTTP/2 (a stream of a downstream HTTP/2 connection). */
    boolean downstreamHttp2() {
        return ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel;
    }

    /** The downstream connection's channel (for the TLS session of the peer). */
    public io.netty.channel.Channel downstreamChannel() {
        return ctx.channel();
    }

    // ---- request side

    void start() {
        if (request.decoderResult().isFailure()) {
            downstreamKeepAlive = false;
            requestComplete = true;
            respond(LocalReply.failure(400, ResponseFlag.DPE, "bad request: " + request.decoderResult().cause()));
            return;
        }
        downstreamVersion = request.protocolVersion();
        downstreamKeepAlive = HttpUtil.isKeepAlive(request);
        expectContinue = HttpUtil.is100ContinueExpected(request);
        head = HttpMethod.HEAD.equals(request.method());
        splitTarget();
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        upgrade = UpgradeRequests.requestedUpgrade(request, ctx.channel());
        HopByHopHeaders.strip(request.headers());
        if (chunked) {
            HttpUtil.setTransferEncodingChunked(request, true);
        }
        request.headers().remove(HttpHeaderNames.EXPECT); // answered here once an upstream is connected

        listener = view.listener(listenerName);
        if (listener == null) {
            downstreamKeepAlive = false; // the listener is being removed
            respond(LocalReply.failure(503, ResponseFlag.NR, "listener " + listenerName + " is not configured\n"));
            return;
        }
        if (!normalizePath()) {
            return;
        }
        runFilters(0);
    }

    /**
     * Runs the listener's filters from {@code from}; a filter that answers {@link HttpFilter#SUSPEND} (it awaits an
     * external check) stops the run until it calls {@link #resumeFilters} or {@link #respondAfterSuspend}.
     */
    private void runFilters(int from) {
        List<HttpFilter> filters = listener.filters();
        for (int i = from; i < filters.size(); i++) {
            LocalReply reply = filters.get(i).onRequest(this);
            if (reply == HttpFilter.SUSPEND) {
                suspendedFilter = i;
                return;
            }
            if (reply != null) {
                respond(reply);
                return;
            }
        }
        if (upgrade != null) {
            if (listener.config().http() == null || !listener.config().http().allowsUpgrade(upgrade)) {
                // Envoy's answer to an upgrade its connection manager does not allow: 403 (upgrade_failed), close
                upgrade = null;
                downstreamKeepAlive = false;
                respond(new LocalReply(403, null, "", null));
                return;
            }
            UpgradeRequests.restore(request.headers(), upgrade); // stripped above with the other hop-by-hop headers
        }
        routeRequest();
    }

    /** Continues with the filter after the suspended one (on this exchange's event loop); no-op once it ended. */
    public void resumeFilters() {
        if (suspendedFilter < 0 || finished || responseStarted) {
            return;
        }
        int next = suspendedFilter + 1;
        suspendedFilter = -1;
        runFilters(next);
        handOnHeldBody();
    }

    /** Ends a suspended request with {@code reply} (on this exchange's event loop); no-op once it ended. */
    public void respondAfterSuspend(LocalReply reply) {
        if (suspendedFilter < 0 || finished || responseStarted) {
            return;
        }
        suspendedFilter = -1;
        respond(reply);
        handOnHeldBody();
    }

    /** Headers to add to whatever response goes downstream (ext_authz {@code allowed_client_headers_on_success}). */
    public void addDownstreamResponseHeaders(HttpHeaders headers) {
        if (downstreamResponseHeaders == null) {
            downstreamResponseHeaders = new io.netty.handler.codec.http.DefaultHttpHeaders();
        }
        downstreamResponseHeaders.add(headers);
    }

    /**
     * The connection manager's path normalization ({@code normalize_path}, {@code merge_slashes}, escaped slashes),
     * once, before the filters and routing read the path; the upstream gets the normalized path too, as from Envoy.
     * False (and a 400 sent) for a path that cannot be normalized safely.
     */
    private boolean normalizePath() {
        var http = listener.config().http();
        if (http == null || path.isEmpty() || path.charAt(0) != '/') {
            return true; // asterisk-form and the like: routed as they are
        }
        String normalized = PathNormalizer.normalize(path, http.pathNormalization());
        if (normalized == null) {
            respond(LocalReply.failure(400, ResponseFlag.DPE, "invalid request path\n"));
            return false;
        }
        path = normalized;
        return true;
    }

    /** Absolute-form targets (HTTP proxy mode) carry the authority; origin-form ones rely on Host. */
    private void splitTarget() {
        String uri = request.uri();
        if (uri.startsWith("/")) {
            path = uri;
            authority = request.headers().get(HttpHeaderNames.HOST, "");
            return;
        }
        int scheme = uri.indexOf("://");
        if (scheme > 0) {
            int authorityStart = scheme + 3;
            int pathStart = authorityStart;
            while (pathStart < uri.length() && "/?#".indexOf(uri.charAt(pathStart)) < 0) {
                pathStart++;
            }
            authority = uri.substring(authorityStart, pathStart);
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                authority = authority.substring(at + 1); // never forward userinfo
            }
            path = pathStart == uri.length() ? "/" : uri.charAt(pathStart) == '/' ? uri.substring(pathStart)
                    : "/" + uri.substring(pathStart);
        } else {
            // asterisk-form or garbage: route on it as a path
            path = uri;
            authority = request.headers().get(HttpHeaderNames.HOST, "");
        }
    }

    /**
     * The request's route, chosen once: a filter before the router may ask for it (the local rate limit does), as
     * Envoy's filters do; null when no route matches or the routes have not arrived.
     */
    public CompiledRoute resolveRoute() {
        if (!routeResolved) {
            routeResolved = true;
            Router router = listener.router();
            route = router == null ? null : router.route(this);
        }
        return route;
    }

    private void routeRequest() {
        resolveRoute();
        if (route == null) {
            respond(LocalReply.failure(404, ResponseFlag.NR,
                    "no route for host '" + authority + "' and path '" + path + "'\n"));
            return;
        }
        dev.weft.dataplane.fault.FaultPolicy fault = route.route().fault();
        if (fault != null && listener.config().http().hasFilter(dev.weft.dataplane.fault.FaultPolicy.FILTER)) {
            // like Envoy's fault filter: after route selection, before the router; delay first, then abort
            if (fault.delay() != null && fault.delay().draw()) {
                view.resilience().fault(listener.config().http().statPrefix()).delaysInjected.increment();
                faultDelayed = true;
                record.responseFlag = ResponseFlag.DI;
                faultDelay = ctx.executor().schedule(() -> afterFaultDelay(fault), fault.delay().millis(),
                        TimeUnit.MILLISECONDS); // a timer on the event loop, never a sleep
                return;
            }
            if (abortedByFault(fault)) {
                return;
            }
        }
        dispatch();
    }

    private void afterFaultDelay(dev.weft.dataplane.fault.FaultPolicy fault) {
        faultDelay = null;
        if (finished) {
            return;
        }
        if (!abortedByFault(fault)) {
            dispatch();
        }
        handOnHeldBody();
    }

    /** The body read during a pause goes to the attempt just started, or is dropped after a local reply. */
    private void handOnHeldBody() {
        if (faultDelay != null || suspendedFilter >= 0) {
            return; // paused again: the parts stay held
        }
        java.util.ArrayDeque<HttpContent> held = heldDuringFaultDelay;
        heldDuringFaultDelay = null;
        if (held != null) {
            for (HttpContent part = held.poll(); part != null; part = held.poll()) {
                onRequestContent(part);
            }
        }
        if (!requestComplete && !finished) {
            connection.readMore();
        }
    }

    /** Draws the route's abort; when it fires, answers with its status and flag {@code FI}. */
    private boolean abortedByFault(dev.weft.dataplane.fault.FaultPolicy fault) {
        if (fault.abort() == null || !fault.abort().draw()) {
            return false;
        }
        view.resilience().fault(listener.config().http().statPrefix()).abortsInjected.increment();
        faultGrpcStatus = fault.abort().grpcStatus();
        respond(LocalReply.failure(fault.abort().httpStatus(), ResponseFlag.FI, "fault filter abort"));
        return true;
    }

    private void dispatch() {
        switch (route.action()) {
            case RouteAction.DirectResponse direct -> respond(new LocalReply(direct.status(), null,
                    direct.body() == null ? "" : direct.body(), null));
            case RouteAction.Redirect r -> respond(new LocalReply(route.redirectStatus(), null, "",
                    route.redirectLocation(this)));
            case RouteAction.Forward forward -> forward(forward);
        }
    }

    private void forward(RouteAction.Forward forward) {
        weightedCluster = route.pickCluster();
        record.upstreamCluster = weightedCluster.name();
        Cluster cluster = view.cluster(weightedCluster.name());
        if (cluster == null) {
            respond(LocalReply.failure(503, ResponseFlag.NC, "unknown cluster '" + weightedCluster.name() + "'\n"));
            return;
        }
        this.cluster = cluster;
        hash = route.hash(this);
        UpstreamHost host = cluster.pick(hash == null ? LbContext.NONE : LbContext.ofHash(hash.hash()));
        if (host == null) {
            respond(LocalReply.failure(503, ResponseFlag.UH, "no healthy upstream\n"));
            return;
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        request.setUri(route.upstreamPath(path));
        HttpHeaders headers = request.headers();
        headers.set(HttpHeaderNames.HOST, forward.hostRewrite() != null ? forward.hostRewrite() : authority);
        HeaderMutator.apply(route.virtualHost().config().requestHeaders(), headers);
        HeaderMutator.apply(route.route().requestHeaders(), headers);
        HeaderMutator.apply(weightedCluster.requestHeaders(), headers);
        grpc = dev.weft.proxy.grpc.GrpcRequests.isGrpc(headers);
        Duration t = forward.timeout();
        timeoutMillis = t == null || t.isZero() || t.isNegative() ? 0 : Math.max(1, t.toMillis());
        long callerDeadline = callerDeadlineMillis(headers);
        if (callerDeadline > 0 && (timeoutMillis == 0 || callerDeadline < timeoutMillis)) {
            timeoutMillis = callerDeadline; // never wait longer than the caller will
            // the caller's clock started when it sent the request, not when the last body byte arrives here
            callerDeadlineNanos = System.nanoTime() + callerDeadline * 1_000_000;
        }
        int maxRequests = cluster.config().circuitBreakers().maxRequests();
        if (maxRequests > 0 && cluster.traffic().activeRequests() >= maxRequests) {
            respond(LocalReply.failure(503, ResponseFlag.UO, "upstream connect error or disconnect/reset before "
                    + "headers. reset reason: overflow\n"));
            return;
        }
        if (!route.route().mirrors().isEmpty() && upgrade == null) { // an upgrade is not mirrored
            mirrorCopies = MirrorCopies.start(route.route().mirrors(), view::cluster, request, view.resilience(),
                    connection.pools().of(ctx.channel().eventLoop()));
        }
        cluster.traffic().requestStarted();
        trafficCounted = true;
        if (forward.retryPolicy() != null && forward.retryPolicy().numRetries() > 0) {
            markedUpstream = headers.contains(ATTEMPT)
                    || headers.contains(ENVOY_ATTEMPT_COUNT);
            retryPolicy = forward.retryPolicy();
        }
        startAttempt(host, false);
    }

    /** Whether this request asks to switch protocols (allowed by the listener): it gets an HTTP/1.1 connection of its own. */
    boolean isUpgrade() {
        return upgrade != null;
    }

    /** The cluster the request is forwarded to (null before routing). */
    Cluster cluster() {
        return cluster;
    }

    /**
     * No upstream connection and the cluster's pending queue full ({@code max_pending_requests}) or the pool refused:
     * Envoy's 503 with flag {@code UO}, at once.
     */
    void onUpstreamOverflow() {
        if (responseComplete || finished) {
            return;
        }
        if (responseStarted) {
            ctx.close();
            return;
        }
        respond(LocalReply.failure(503, ResponseFlag.UO, "upstream connect error or disconnect/reset before "
                + "headers. reset reason: overflow\n"));
    }

    /**
     * The HTTP/2 stream was refused by a GOAWAY (or its connection went away before sending it) and carried no body
     * yet: the server never processed it, so it goes again on another connection whatever the method — a few times
     * at most, in case connections keep going away.
     */
    void onStreamRefused() {
        if (responseComplete || finished) {
            return;
        }
        if (responseStarted || refusedStreamReplays >= MAX_REFUSED_STREAM_REPLAYS) {
            onUpstreamFailure(ResponseFlag.UC, 503, "upstream connect error or disconnect/reset before headers. "
                    + "reset reason: remote refused stream reset\n", false);
            return;
        }
        refusedStreamReplays++;
        UpstreamAttempt previous = attempt;
        attempt = new UpstreamAttempt(this, previous.host(), previous.connectTimeout(), false);
        if (requestComplete) {
            attempt.sendBody(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        attempt.start(connection.pools().of(ctx.channel().eventLoop()));
    }

    /** Counts a connect failure, reset or timeout against {@code host} for outlier detection. */
    private void reportLocalOriginFailure(UpstreamHost host, boolean timeout) {
        if (cluster != null && cluster.outlierDetector() != null) {
            cluster.outlierDetector().onLocalOriginFailure(host, timeout);
        }
    }

    /** The deadline an earlier hop sent along (Weft's header, Envoy's, or gRPC's grpc-timeout), in ms; 0 when none. */
    private static long callerDeadlineMillis(HttpHeaders headers) {
        long weft = dev.weft.dataplane.retry.RetryHeaders.millis(
                headers.get(DEADLINE_MS));
        long envoy = dev.weft.dataplane.retry.RetryHeaders.millis(
                headers.get(ENVOY_EXPECTED_TIMEOUT_MS));
        long hops = weft == 0 ? envoy : envoy == 0 ? weft : Math.min(weft, envoy);
        // a gRPC client's deadline is the request's deadline too (grpc-timeout travels on to the server unchanged)
        long grpc = dev.weft.proxy.grpc.GrpcRequests.timeoutMillis(
                headers.get(GRPC_TIMEOUT));
        return hops == 0 ? grpc : grpc == 0 ? hops : Math.min(hops, grpc);
    }

    /** One try on {@code host}: marks the request with the attempt number and the time left, replays the body. */
    private void startAttempt(UpstreamHost host, boolean fresh) {
        HttpHeaders headers = request.headers();
        long perTry = retryPolicy == null ? 0 : retryPolicy.perTryTimeout().toMillis();
        long left = timeout != null ? Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000)
                : callerDeadlineNanos != 0 ? remainingCallerMillis() : timeoutMillis;
        long expected = left == 0 ? perTry : perTry == 0 ? left : Math.min(left, perTry);
        if (expected > 0) {
            headers.set(DEADLINE_MS, Long.toString(expected));
            if (grpc) {
                // like Envoy with max_grpc_timeout: the next hop's grpc-timeout is what this try may still take
                headers.set(GRPC_TIMEOUT,
                        dev.weft.proxy.grpc.GrpcRequests.timeoutHeader(expected));
            }
        } else {
            headers.remove(DEADLINE_MS);
        }
        if (retryPolicy != null) {
            headers.set(ATTEMPT,
                    RetryState.attemptText(retry == null ? 1 : retry.attemptNumber()));
        }
        attempt = new UpstreamAttempt(this, host, cluster.config().connectTimeout(), fresh);
        if (retry != null) {
            for (HttpContent part : retry.replay()) {
                attempt.sendBody(part);
            }
            if (requestComplete) {
                attempt.sendBody(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }
        attempt.start(connection.pools().of(ctx.channel().eventLoop()));
        startPerTryTimer();
    }

    private void startPerTryTimer() {
        if (retryPolicy == null || !requestComplete || perTryTimer != null || responseComplete) {
            return;
        }
        long perTry = retryPolicy.perTryTimeout().toMillis();
        if (perTry > 0) {
            UpstreamAttempt current = attempt;
            perTryTimer = ctx.executor().schedule(() -> onPerTryTimeout(current), perTry, TimeUnit.MILLISECONDS);
        }
    }

    private void cancelPerTryTimer() {
        if (perTryTimer != null) {
            perTryTimer.cancel(false);
            perTryTimer = null;
        }
    }

    private void onPerTryTimeout(UpstreamAttempt timedOut) {
        perTryTimer = null;
        if (responseComplete || finished || timedOut != attempt || responseStarted) {
            return;
        }
        attempt.cancel();
        reportLocalOriginFailure(attempt.host(), true);
        if (!retryIfAllowed(retryPolicy.retriesPerTryTimeout(), true)) {
            respond(LocalReply.failure(504, ResponseFlag.UT, "upstream request timeout\n"));
        }
    }

    /**
     * Starts the next try after a back-off when the policy, the retry budget and the amplification guard allow it;
     * returns false when the caller should give up with the current failure.
     */
    private boolean retryIfAllowed(boolean retriable, boolean reachedApplication) {
        if (retryPolicy == null || responseStarted || finished) {
            return false;
        }
        RetryState.Decision decision = retryState().decide(retriable, reachedApplication);
        if (decision == RetryState.Decision.BODY_TOO_LARGE) {
            retryBodyTooLarge = true;
            return false;
        }
        if (decision != RetryState.Decision.RETRY) {
            return false;
        }
        cancelPerTryTimer();
        UpstreamHost previous = attempt.host();
        retryPending = true;
        ctx.executor().schedule(() -> {
            retryPending = false;
            if (finished || responseComplete) {
                return;
            }
            UpstreamHost next = retry.nextHost(cluster, previous, hash == null ? 0 : hash.hash(), hash != null);
            if (next == null) {
                respond(LocalReply.failure(503, ResponseFlag.UH, "no healthy upstream\n"));
                return;
            }
            startAttempt(next, false);
        }, retry.backoffMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    /** The upstream is connected and has the request head: now read the body from downstream. */
    void onUpstreamReady() {
        if (expectContinue && !continueSent && !requestComplete) {
            continueSent = true;
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        if (!requestComplete) {
            connection.readMore();
        }
    }

    HttpRequest upstreamRequestHead() {
        return request;
    }

    void onRequestContent(HttpContent content) {
        if ((faultDelay != null || suspendedFilter >= 0) && !content.decoderResult().isFailure()) {
            if (heldDuringFaultDelay == null) {
                heldDuringFaultDelay = new java.util.ArrayDeque<>(2);
            }
            heldDuringFaultDelay.add(content); // bounded: nothing more is read until the delay ends
            return;
        }
        if (content.decoderResult().isFailure()) {
            // a broken body (bad chunk framing): neither side can be trusted to be in step any more
            content.release();
            onDownstreamClosed();
            ctx.close();
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestComplete = true;
        }
        record.requestBytes += content.content().readableBytes();
        if (mirrorCopies != null && !mirrorCopies.keep(content, last, connection.pools().of(ctx.channel().eventLoop()))) {
            mirrorCopies = null; // sent, or dropped as too large
        }
        if (retryPolicy != null && !responseComplete && content.content().isReadable()) {
            retryState().keep(content);
        }
        if (attempt != null && !attempt.isDone() && !responseComplete) {
            attempt.sendBody(content);
            if (last) {
                startTimer();
                startPerTryTimer();
            }
        } else if (retryPending && !responseComplete) {
            content.release(); // kept for the retry that is about to start
            if (last) {
                startTimer();
            }
        } else {
            content.release(); // answered already: the rest of the body is read and dropped
        }
        if (last && responseComplete) {
            finish();
        }
    }

    /** RFC 9110 §9.2.2: only idempotent requests may be sent again without the client asking. */
    private boolean idempotent() {
        HttpMethod m = request.method();
        return !HttpMethod.POST.equals(m) && !HttpMethod.PATCH.equals(m) && !HttpMethod.CONNECT.equals(m);
    }

    boolean isRequestComplete() {
        // a request whose last part is held by a fault delay is complete too: what follows is a pipelined request
        return requestComplete || heldDuringFaultDelay != null && heldDuringFaultDelay.peekLast() instanceof LastHttpContent;
    }

    /** Whether reading more of the request now is useful: the upstream takes it, or it is being dropped. */
    boolean wantsRequestData() {
        if (requestComplete) {
            return false;
        }
        if (faultDelay != null || suspendedFilter >= 0) {
            return false; // the route's fault delay or an external check is running: read on when it ends
        }
        if (retryPending) {
            return false; // read on once the retry's connection is up
        }
        return attempt == null || attempt.isDone() || responseComplete || attempt.canTakeBody();
    }

    /** Called by the attempt when upstream can take more request body. */
    void requestMoreBody() {
        if (!requestComplete) {
            connection.readMore();
        }
    }

    private void startTimer() {
        if (timeoutMillis > 0 && timeout == null && !responseComplete) {
            // the route timeout starts once the request is in (Envoy), but never outlasts the caller's deadline
            long millis = callerDeadlineNanos != 0 ? Math.min(timeoutMillis, remainingCallerMillis()) : timeoutMillis;
            deadlineNanos = System.nanoTime() + millis * 1_000_000;
            timeout = ctx.executor().schedule(this::onTimeout, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** What is left of the caller's deadline, at least 1 ms. */
    private long remainingCallerMillis() {
        return Math.max(1, (callerDeadlineNanos - System.nanoTime()) / 1_000_000);
    }

    private void onTimeout() {
        if (responseComplete || finished) {
            return;
        }
        cancelPerTryTimer();
        if (attempt != null && !attempt.isDone() && !retryPending) {
            reportLocalOriginFailure(attempt.host(), true);
        }
        retryPending = false;
        if (attempt != null) {
            attempt.cancel();
        }
        if (responseStarted) {
            ctx.close(); // too late for a 504: the status line is gone
        } else {
            respond(LocalReply.failure(504, ResponseFlag.UT, "upstream request timeout\n"));
        }
    }

    // ---- response side

    /** The upstream's response head; hop-by-hop headers are replaced by this hop's own. */
    void onResponseHead(HttpResponse response) {
        // a trailers-only gRPC reply carries its status in the head: retries and outlier detection judge by it
        int grpcStatus = response.status().code() == 200 && grpc
                ? dev.weft.proxy.grpc.GrpcRequests.status(response.headers()) : -1;
        if (cluster != null && cluster.outlierDetector() != null && attempt != null) {
            cluster.outlierDetector().onResponse(attempt.host(), grpcStatus >= 0
                    ? dev.weft.proxy.grpc.GrpcRequests.httpStatusForOutlierDetection(grpcStatus)
                    : response.status().code());
        }
        if (retryPolicy != null && !responseStarted && requestComplete
                && retryIfAllowedAfterResponse(response.status().code(), grpcStatus)) {
            io.netty.util.ReferenceCountUtil.release(response);
            return;
        }
        cancelPerTryTimer();
        if (retryBodyTooLarge) {
            response.headers().add(RESPONSE_FLAGS, RetryState.BODY_TOO_LARGE_FLAG);
        }
        if (faultDelayed) {
            response.headers().add(RESPONSE_FLAGS, ResponseFlag.DI.name());
        }
        responseStarted = true;
        boolean switching = response.status().code() == 101;
        boolean chunkedAllowed = !head && !switching && response.status().code() != 204 && response.status().code() != 304;
        HttpHeaders headers = response.headers();
        String acceptedUpgrade = switching ? headers.get(HttpHeaderNames.UPGRADE, upgrade) : null;
        HopByHopHeaders.strip(headers);
        if (chunkedAllowed && !HttpUtil.isContentLengthSet(response)) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        if (switching) {
            cancelTimer(); // like Envoy: no route timeout for an upgraded connection (the idle timeout stays)
            UpgradeRequests.restore(headers, acceptedUpgrade);
        }
        if (weightedCluster != null) {
            HeaderMutator.apply(route.virtualHost().config().responseHeaders(), headers);
            HeaderMutator.apply(route.route().responseHeaders(), headers);
            HeaderMutator.apply(weightedCluster.responseHeaders(), headers);
        }
        if (hash != null && hash.setCookie() != null) {
            headers.add(HttpHeaderNames.SET_COOKIE, hash.setCookie());
        }
        if (!requestComplete) {
            downstreamKeepAlive = false; // answered before the whole request was read: the connection is out of step
        }
        if (!switching) {
            setConnectionHeader(response);
        }
        runResponseFilters(response);
        ctx.write(response, ctx.voidPromise()); // no promise per write: a failed write closes the connection
    }

    /**
     * The upstream's 101 is complete: both connections become a raw byte relay (the TCP proxy's, with backpressure and
     * half-close). The exchange completes — metrics, access log — when both are closed, with the bytes relayed.
     */
    void onUpgraded(dev.weft.proxy.upstream.UpstreamConnection upstreamConnection) {
        io.netty.channel.Channel upstream = upstreamConnection.channel();
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT); // ends the 101 in the HTTP/1.1 encoder
        responseComplete = true;
        cancelTimer();
        if (finished || !requestComplete || !connection.detachForUpgrade()) {
            upstream.close(); // a body still on its way, or bytes that are not the new protocol's: no clean switch
            ctx.close();
            return;
        }
        dev.weft.proxy.tcp.TcpSplice splice = new dev.weft.proxy.tcp.TcpSplice();
        connection.spliceDownstream(splice.fromDownstream());
        upstreamConnection.replaceWithRelay(splice.fromUpstream());
        splice.start(ctx.channel(), upstream, (in, out) -> {
            record.requestBytes += in;
            record.responseBytes += out;
            finished = true;
            complete();
        });
    }

    /** A retriable status: the try is abandoned (its connection closed) and the next one scheduled. */
    private boolean retryIfAllowedAfterResponse(int status, int grpcStatus) {
        boolean retriable = grpcStatus > 0 ? retryPolicy.retriesGrpcStatus(grpcStatus)
                : retryPolicy.retriesStatus(status);
        if (!retriable) {
            return false;
        }
        UpstreamAttempt current = attempt;
        if (!retryIfAllowed(true, true)) {
            return false;
        }
        current.cancel();
        return true;
    }

    /** A part of the upstream response body; returns whether downstream can take more right now. */
    boolean onResponseContent(HttpContent content) {
        record.responseBytes += content.content().readableBytes();
        if (content instanceof LastHttpContent last) {
            record.onTrailers(last.trailingHeaders());
            responseComplete = true;
            cancelTimer();
            ctx.writeAndFlush(content, ctx.voidPromise());
            if (requestComplete || !downstreamKeepAlive) {
                finish();
            }
            return true;
        }
        ctx.write(content, ctx.voidPromise());
        return ctx.channel().isWritable();
    }

    /** After a batch of upstream reads: what was written downstream goes out once this event-loop turn is done. */
    void flushDownstream() {
        connection.flushSoon();
    }

    boolean downstreamWritable() {
        return ctx.channel().isWritable();
    }

    void onDownstreamWritable() {
        if (attempt != null) {
            attempt.onDownstreamWritable();
        }
    }

    /**
     * The upstream connection failed; {@code flag} says how. {@code replayable}: the request never reached the
     * upstream application, so it is sent once more on a new connection before failing.
     */
    void onUpstreamFailure(ResponseFlag flag, int status, String detail, boolean replayable) {
        if (responseComplete || finished) {
            return;
        }
        if (!replayable && attempt != null) {
            reportLocalOriginFailure(attempt.host(), false); // a stale pooled connection is not the host's fault
        }
        if (replayable && idempotent() && !replayedOnFreshConnection && !responseStarted) {
            replayedOnFreshConnection = true;
            cluster.connections().replayedAfterReusedConnectionClosed();
            UpstreamAttempt previous = attempt;
            attempt = new UpstreamAttempt(this, previous.host(), previous.connectTimeout(), true);
            if (requestComplete) {
                attempt.sendBody(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            attempt.start(connection.pools().of(ctx.channel().eventLoop()));
            return;
        }
        if (retryPolicy != null && !responseStarted) {
            boolean connectFailure = flag == ResponseFlag.UF;
            boolean retriable = connectFailure ? retryPolicy.retriesConnectFailure()
                    : retryPolicy.retriesReset(!replayable);
            if (retryIfAllowed(retriable, !connectFailure && !replayable)) {
                return;
            }
        }
        if (responseStarted) {
            ctx.close();
            return;
        }
        respond(LocalReply.failure(status, flag, detail));
    }

    void onDownstreamClosed() {
        finished = true;
        cancelTimer();
        cancelFaultDelay();
        releaseMirrorCopies();
        if (attempt != null) {
            attempt.cancel();
        }
        if (!responseComplete) {
            record.responseFlag = ResponseFlag.DC;
        }
        complete();
    }

    /** Sends a locally produced response, then finishes or drains the rest of the request body. */
    void respond(LocalReply reply) {
        if (responseStarted) {
            ctx.close();
            return;
        }
        responseStarted = true;
        responseComplete = true;
        cancelTimer();
        byte[] bytes = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
        ByteBuf body = head || bytes.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), body);
        HttpHeaders headers = response.headers();
        if (bytes.length > 0) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8");
        }
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (reply.location() != null) {
            headers.set(HttpHeaderNames.LOCATION, reply.location());
        }
        if (reply.headers() != null) {
            headers.setAll(reply.headers()); // an external authorizer's denial: its own headers (content-type too)
            headers.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        }
        if (reply.flag() != null) {
            headers.set(RESPONSE_FLAGS, reply.flag().name());
        }
        if (retryBodyTooLarge) {
            headers.add(RESPONSE_FLAGS, RetryState.BODY_TOO_LARGE_FLAG);
        }
        if (faultDelayed) {
            headers.add(RESPONSE_FLAGS, ResponseFlag.DI.name());
        }
        record.responseFlag = reply.flag() != null || !faultDelayed ? reply.flag() : ResponseFlag.DI;
        record.responseBytes += body.readableBytes();
        if (route != null && weightedCluster == null) {
            // direct responses and redirects still get the route's response headers
            HeaderMutator.apply(route.virtualHost().config().responseHeaders(), headers);
            HeaderMutator.apply(route.route().responseHeaders(), headers);
        }
        if (!requestComplete && expectContinue && !continueSent) {
            downstreamKeepAlive = false; // the client may or may not send the body now: do not guess
        }
        if (dev.weft.proxy.grpc.GrpcRequests.isGrpc(request.headers())) {
            // a gRPC client reads grpc-status, not an HTTP error page
            response = dev.weft.proxy.grpc.GrpcLocalReply.trailersOnly(response, reply.body());
            if (faultGrpcStatus >= 0) {
                response.headers().setInt("grpc-status", faultGrpcStatus); // the abort's own gRPC status
            }
        }
        setConnectionHeader(response);
        runResponseFilters(response);
        ctx.writeAndFlush(response);
        if (requestComplete || !downstreamKeepAlive) {
            finish();
        } else {
            connection.readMore(); // read the rest of the request body away, then take the next request
        }
    }

    private void runResponseFilters(HttpResponse response) {
        record.responseCode = response.status().code();
        if (downstreamResponseHeaders != null) {
            response.headers().add(downstreamResponseHeaders);
        }
        if (listener != null) {
            for (HttpFilter f : listener.filters()) {
                f.onResponse(this, response);
            }
        }
    }

    private void setConnectionHeader(HttpResponse response) {
        if (!downstreamKeepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (downstreamVersion != null && !downstreamVersion.isKeepAliveDefault()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private void cancelTimer() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
        cancelPerTryTimer();
        releaseRetryState();
    }

    private RetryState retryState() {
        if (retry == null) {
            retry = new RetryState(retryPolicy, cluster, markedUpstream);
        }
        return retry;
    }

    /** Gives back the retry budget slot, the replay buffer and the cluster's active-request count; idempotent. */
    private void releaseRetryState() {
        if (retry != null && (responseComplete || finished)) {
            retry.close();
        }
        if (trafficCounted && (responseComplete || finished)) {
            trafficCounted = false;
            cluster.traffic().requestEnded();
        }
    }

    /** Drops mirror copies still waiting for a body that will not complete. */
    private void releaseMirrorCopies() {
        if (mirrorCopies != null) {
            mirrorCopies.release();
            mirrorCopies = null;
        }
    }

    /** Stops a running fault delay and drops the body held for it. */
    private void cancelFaultDelay() {
        if (faultDelay != null) {
            faultDelay.cancel(false);
            faultDelay = null;
        }
        if (heldDuringFaultDelay != null) {
            heldDuringFaultDelay.forEach(io.netty.util.ReferenceCountUtil::release);
            heldDuringFaultDelay = null;
        }
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        cancelFaultDelay();
        releaseMirrorCopies();
        complete();
        connection.exchangeDone(this, downstreamKeepAlive);
    }

    /** Once per exchange, however it ended: the filters' completion hooks (metrics, access log, trace span). */
    private void complete() {
        if (completed) {
            return;
        }
        completed = true;
        if (listener != null) {
            for (HttpFilter f : listener.filters()) {
                f.onComplete(this);
            }
        }
    }
}
