package dev.weft.controlplane.registry;

import dev.weft.controlplane.proxy.ProxyNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Workloads registered by connected proxies, keyed by node id. A proxy whose last stream ends keeps its
 * registration for a grace period, so a control-plane blip or a quick proxy reconnect does not make its
 * endpoints flap; after the grace period it is withdrawn. Every change calls {@code onChange} (never while
 * holding the lock's caller waiting on a push).
 */
public final class ProxyRegistry {
    private static final Logger log = LoggerFactory.getLogger(ProxyRegistry.class);

    private final Duration gracePeriod;
    private final ScheduledExecutorService scheduler;
    private final Runnable onChange;

    private final Object lock = new Object();
    // guarded by lock
    private final Map<String, Registration> byNodeId = new TreeMap<>();
    private List<ProxyNode> snapshot = List.of();

    private static final class Registration {
        ProxyNode node;
        final Set<Long> streams = new HashSet<>();
        ScheduledFuture<?> withdrawal;

        Registration(ProxyNode node) {
            this.node = node;
        }
    }

    public ProxyRegistry(Duration gracePeriod, ScheduledExecutorService scheduler, Runnable onChange) {
        this.gracePeriod = gracePeriod;
        this.scheduler = scheduler;
        this.onChange = onChange;
    }

    /**
     * A stream identified itself as {@code node}; cancels a pending withdrawal of the same node id. Returns why it is
     * refused (the node id is held by another identity), or null when registered.
     *
     * <p>A node id belongs to the identity that registered it (its namespace and service account; none for an
     * unauthenticated registration) until the registration is withdrawn: a stream with another identity cannot
     * replace it, except that an authenticated one may replace an unauthenticated one.
     */
    public String connected(long streamId, ProxyNode node) {
        boolean changed;
        synchronized (lock) {
            Registration r = byNodeId.get(node.id());
            if (r == null) {
                r = new Registration(node);
                byNodeId.put(node.id(), r);
                changed = true;
            } else {
                String held = identity(r.node);
                if (!held.equals(identity(node)) && !r.node.serviceAccount().isEmpty()) {
                    return "node id " + node.id() + " is registered by " + held + "; " + identity(node)
                            + " cannot take it over";
                }
                changed = !r.node.equals(node);
                r.node = node;
                if (r.withdrawal != null) {
                    r.withdrawal.cancel(false);
                    r.withdrawal = null;
                    log.info("proxy {} reconnected within the grace period; its endpoints stay", node.id());
                }
            }
            r.streams.add(streamId);
            if (changed) {
                snapshot = List.copyOf(byNodeId.values().stream().map(x -> x.node).toList());
            }
        }
        if (changed) {
            if (node.servesInbound()) {
                log.info("registered proxy {} ({}:{} for {})", node.id(), node.address(), node.inboundPort(),
                        node.serviceHost());
            } else {
                log.info("registered {} {} (no endpoint: it serves nothing inbound)", node.role(), node.id());
            }
            onChange.run();
        }
        return null;
    }

    private static String identity(ProxyNode n) {
        return n.serviceAccount().isEmpty() ? "an unauthenticated stream"
                : "ns/" + n.namespace() + "/sa/" + n.serviceAccount();
    }

    /**
     * Registrations a previous run of the control plane knew (see {@link RegistryFile}): they serve as if their
     * proxies had just disconnected. Call before the first push context is built, then {@link #startRestoreWindow}
     * once proxies can reconnect.
     */
    public void restore(List<ProxyNode> nodes) {
        if (nodes.isEmpty()) {
            return;
        }
        synchronized (lock) {
            for (ProxyNode node : nodes) {
                if (!byNodeId.containsKey(node.id())) {
                    byNodeId.put(node.id(), new Registration(node));
                }
            }
            snapshot = List.copyOf(byNodeId.values().stream().map(x -> x.node).toList());
        }
        // no onChange: this runs before the first push context is built, which includes them
        log.info("restored {} proxy registration(s) from the last run", nodes.size());
    }

    /**
     * Restored registrations whose proxy has not reconnected yet are withdrawn after {@code window}, counted from now:
     * call when the xDS server listens, so a slow start-up does not eat the proxies' time to come back.
     */
    public void startRestoreWindow(Duration window) {
        int waiting = 0;
        synchronized (lock) {
            for (Map.Entry<String, Registration> e : byNodeId.entrySet()) {
                Registration r = e.getValue();
                if (r.streams.isEmpty() && r.withdrawal == null) {
                    String nodeId = e.getKey();
                    r.withdrawal = scheduler.schedule(() -> withdraw(nodeId, r), window.toNanos(), TimeUnit.NANOSECONDS);
                    waiting++;
                }
            }
        }
        if (waiting > 0) {
            log.info("{} restored registration(s) are withdrawn in {} unless their proxies reconnect", waiting, window);
        }
    }

    /** A stream ended; the node's registration is withdrawn after the grace period unless it reconnects. */
    public void disconnected(long streamId, String nodeId) {
        synchronized (lock) {
            Registration r = byNodeId.get(nodeId);
            if (r == null || !r.streams.remove(streamId) || !r.streams.isEmpty()) {
                return;
            }
            if (r.withdrawal != null) {
                r.withdrawal.cancel(false);
            }
            try {
                r.withdrawal = scheduler.schedule(() -> withdraw(nodeId, r), gracePeriod.toNanos(),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                return; // the control plane is shutting down
            }
        }
        log.info("proxy {} disconnected; endpoints withdrawn in {} unless it reconnects", nodeId, gracePeriod);
    }

    private void withdraw(String nodeId, Registration expected) {
        synchronized (lock) {
            Registration r = byNodeId.get(nodeId);
            if (r != expected || !r.streams.isEmpty()) {
                return;
            }
            byNodeId.remove(nodeId);
            snapshot = List.copyOf(byNodeId.values().stream().map(x -> x.node).toList());
        }
        log.info("withdrew endpoints of proxy {}", nodeId);
        onChange.run();
    }

    /** The registered workloads, sorted by node id. */
    public List<ProxyNode> registered() {
        synchronized (lock) {
            return snapshot;
        }
    }
}
