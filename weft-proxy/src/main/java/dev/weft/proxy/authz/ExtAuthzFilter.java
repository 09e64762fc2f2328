package dev.weft.proxy.authz;

import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.dataplane.authz.ExtAuthzConfig;
import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.proxy.http.HttpExchange;
import dev.weft.proxy.http.HttpFilter;
import dev.weft.proxy.http.LocalReply;
import dev.weft.proxy.http.ResponseFlag;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's {@code envoy.filters.http.ext_authz} filter (AuthorizationPolicy CUSTOM). A request its gate (the
 * CUSTOM rules) selects pauses while the external authorizer is asked, over HTTP ({@link HttpCheck}) or gRPC
 * ({@link GrpcCheck}), without blocking the event loop; the answer resumes it on its loop. Allowed: the authorizer's
 * allowed headers go upstream (and to the client on success); denied: the authorizer's status, body and allowed
 * headers go to the client (flag {@code UAEX}); no answer in time or no authorizer: {@code status_on_error}
 * (403 by default), or the request passes when {@code failure_mode_allow}.
 */
public final class ExtAuthzFilter implements HttpFilter {
    private static final Logger LOG = LoggerFactory.getLogger(ExtAuthzFilter.class);

    private final ExtAuthzConfig config;
    private final Function<String, Cluster> clusters;
    private final ExtAuthzStats.Counters stats;
    private final int destinationPort;

    public ExtAuthzFilter(ListenerConfig listener, Function<String, Cluster> clusters, ExtAuthzStats stats) {
        this.config = listener.http().extAuthz();
        this.clusters = clusters;
        this.stats = stats.of(listener.http().statPrefix());
        this.destinationPort = AuthorizationFilter.workloadPort(listener);
    }

    @Override
    public LocalReply onRequest(HttpExchange exchange) {
        AuthzRequest request = AuthorizationFilter.authzRequest(exchange, destinationPort);
        if (request == null) {
            return LocalReply.failure(400, ResponseFlag.DPE, "invalid request path\n");
        }
        if (!config.checks(request)) {
            return null; // not selected by the CUSTOM rules: no check
        }
        Cluster cluster = clusters.apply(config.service().cluster());
        UpstreamHost host = cluster == null ? null : cluster.pick(LbContext.NONE);
        if (host == null) {
            return onError(exchange, cluster == null ? "unknown cluster " + config.service().cluster()
                    : "no healthy endpoint in " + config.service().cluster(), false);
        }
        Channel ch = exchange.downstreamChannel();
        Channel connection = ch instanceof Http2StreamChannel && ch.parent() != null ? ch.parent() : ch;
        EventLoop loop = ch.eventLoop();
        long timeoutMillis = Math.max(1, config.timeout().toMillis());
        switch (config.service()) {
            case ExtAuthzConfig.HttpService http -> ExtAuthzHttpClient.check(loop, connection,
                    host.endpoint().host(), host.endpoint().port(), HttpCheck.request(http, exchange), timeoutMillis,
                    answer -> apply(exchange, HttpCheck.outcome(http, answer), true));
            case ExtAuthzConfig.GrpcService grpc -> ExtAuthzGrpcClient.check(host.endpoint().host(),
                    host.endpoint().port(), grpc.authority(), GrpcCheck.request(exchange, request, connection),
                    timeoutMillis, GrpcCheck.observer(outcome -> loop.execute(() -> apply(exchange, outcome, true))));
        }
        return SUSPEND;
    }

    /** Acts on the answer, on the exchange's event loop. */
    private LocalReply apply(HttpExchange exchange, CheckOutcome outcome, boolean suspended) {
        switch (outcome.kind()) {
            case ALLOWED -> {
                stats.ok.increment();
                if (outcome.upstreamSet() != null) {
                    exchange.requestHeaders().setAll(outcome.upstreamSet()); // replaces those names only
                }
                for (String name : outcome.upstreamRemove()) {
                    exchange.requestHeaders().remove(name);
                }
                if (outcome.downstream() != null && !outcome.downstream().isEmpty()) {
                    exchange.addDownstreamResponseHeaders(outcome.downstream());
                }
                exchange.resumeFilters();
                return null;
            }
            case DENIED -> {
                stats.denied.increment();
                exchange.respondAfterSuspend(new LocalReply(outcome.status(), ResponseFlag.UAEX,
                        outcome.body() == null ? "" : outcome.body(), null, outcome.downstream()));
                return null;
            }
            default -> {
                return onError(exchange, outcome.detail(), suspended);
            }
        }
    }

    /** A check that could not be made or answered: {@code status_on_error}, or through with failure_mode_allow. */
    private LocalReply onError(HttpExchange exchange, String detail, boolean suspended) {
        stats.error.increment();
        LOG.debug("ext_authz check for {} {} failed: {}", exchange.method(), exchange.path(), detail);
        if (config.failureModeAllow()) {
            stats.failureModeAllowed.increment();
            if (suspended) {
                exchange.resumeFilters();
            }
            return null;
        }
        LocalReply reply = LocalReply.failure(config.statusOnError(), ResponseFlag.UAEX, "");
        if (suspended) {
            exchange.respondAfterSuspend(reply);
            return null;
        }
        return reply;
    }
}
