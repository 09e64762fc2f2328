package dev.weft.dataplane.outlier;

import dev.weft.dataplane.cluster.UpstreamHost;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consecutive-error outlier detection for one cluster's hosts. Results are counted on the host with atomics, from
 * any event loop; only an ejection (rare) takes this detector's lock, to respect {@code maxEjectionPercent}. Ejected
 * hosts come back when their time is up: {@link #review} runs every {@code interval}, and the cluster rebuilds its
 * load balancer whenever the set of ejected hosts changes (see {@code onChange}).
 */
public final class OutlierDetector {
    private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

    private final String clusterName;
    private final OutlierDetectionConfig config;
    private final List<UpstreamHost> hosts;
    private final Runnable onChange;
    private final AtomicInteger ejectedCount = new AtomicInteger();

    /** @param onChange called (outside any event loop's hot path) after a host was ejected or returned */
    public OutlierDetector(String clusterName, OutlierDetectionConfig config, List<UpstreamHost> hosts,
                           Runnable onChange) {
        this.clusterName = clusterName;
        this.config = config;
        this.hosts = List.copyOf(hosts);
        this.onChange = onChange;
        int already = 0;
        for (UpstreamHost h : this.hosts) {
            if (h.outlier().isEjected()) {
                already++;
            }
        }
        ejectedCount.set(already);
    }

    public OutlierDetectionConfig config() {
        return config;
    }

    /** An HTTP response from {@code host} (status as the upstream sent it). */
    public void onResponse(UpstreamHost host, int status) {
        OutlierState s = host.outlier();
        if (status >= 500) {
            boolean gateway = status >= 502 && status <= 504;
            check(host, s.fiveXx.incrementAndGet(), gateway ? s.gateway.incrementAndGet() : resetGateway(s));
        } else {
            s.fiveXx.set(0);
            s.gateway.set(0);
            if (config.splitExternalLocalOriginErrors()) {
                s.localOrigin.set(0);
            }
        }
    }

    private static int resetGateway(OutlierState s) {
        s.gateway.set(0);
        return 0;
    }

    /** A failure this proxy saw itself: connect failure, reset before a response, or timeout. */
    public void onLocalOriginFailure(UpstreamHost host, boolean timeout) {
        OutlierState s = host.outlier();
        if (config.splitExternalLocalOriginErrors()) {
            int n = s.localOrigin.incrementAndGet();
            if (config.consecutiveLocalOriginFailure() > 0 && n >= config.consecutiveLocalOriginFailure()) {
                eject(host, "consecutive local-origin failures (" + n + ")");
            }
            return;
        }
        onResponse(host, timeout ? 504 : 503); // Envoy maps local-origin failures to these when not split
    }

    /** A connection to {@code host} succeeded (resets the local-origin count when counted apart). */
    public void onLocalOriginSuccess(UpstreamHost host) {
        if (config.splitExternalLocalOriginErrors()) {
            host.outlier().localOrigin.set(0);
        }
    }

    private void check(UpstreamHost host, int fiveXx, int gateway) {
        if (config.consecutive5xx() > 0 && fiveXx >= config.consecutive5xx()) {
            eject(host, "consecutive 5xx (" + fiveXx + ")");
        } else if (config.consecutiveGatewayFailure() > 0 && gateway >= config.consecutiveGatewayFailure()) {
            eject(host, "consecutive gateway failures (" + gateway + ")");
        }
    }

    private void eject(UpstreamHost host, String reason) {
        boolean ejected;
        synchronized (this) {
            OutlierState s = host.outlier();
            long now = System.nanoTime();
            if (s.isEjected()) {
                return;
            }
            int max = Math.max(1, hosts.size() * config.maxEjectionPercent() / 100);
            if (config.maxEjectionPercent() <= 0 || ejectedCount.get() >= max) {
                s.resetCounters(); // not ejected: count afresh
                return;
            }
            s.decayMultiplier(now, config.interval());
            int times = ++s.timesEjected;
            long base = config.baseEjectionTime().toNanos();
            long duration = Math.min(base * times, Math.max(base, config.maxEjectionTime().toNanos()));
            s.ejectedUntilNanos = now + duration;
            s.ejected = true;
            s.resetCounters();
            ejectedCount.incrementAndGet();
            ejected = true;
            log.warn("outlier detection: ejected {} from cluster {} for {} ms (ejection #{}): {}", host.address(),
                    clusterName, duration / 1_000_000, times, reason);
        }
        if (ejected) {
            onChange.run();
        }
    }

    /** Brings back hosts whose ejection time is over; call every {@code interval} (and on demand in tests). */
    public void review() {
        boolean changed = false;
        synchronized (this) {
            long now = System.nanoTime();
            for (UpstreamHost h : hosts) {
                OutlierState s = h.outlier();
                if (s.ejected && now - s.ejectedUntilNanos >= 0) {
                    s.ejected = false;
                    s.returnedAtNanos = now;
                    s.resetCounters();
                    ejectedCount.decrementAndGet();
                    changed = true;
                    log.info("outlier detection: {} of cluster {} is back after its ejection", h.address(),
                            clusterName);
                }
            }
        }
        if (changed) {
            onChange.run();
        }
    }

    public int ejectedCount() {
        return ejectedCount.get();
    }
}
