package dev.weft.controlplane.push;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Debounces and coalesces change events into pushes. Events arriving while the queue is quiet open a window;
 * the push fires once no new event came for {@code debounce}, or at the latest after {@code maxDelay} so a
 * steady trickle of changes cannot starve pushes. Pushes run one at a time on the queue's own thread, which
 * also rate-limits them: events arriving during a push open the next window.
 */
public final class PushQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PushQueue.class);

    private final Duration debounce;
    private final Duration maxDelay;
    private final Consumer<Set<PushReason>> pushHandler;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weft-push-queue");
        t.setDaemon(true);
        return t;
    });

    // guarded by this
    private final EnumSet<PushReason> pending = EnumSet.noneOf(PushReason.class);
    private long windowStartNanos;
    private long lastEventNanos;
    private ScheduledFuture<?> scheduled;
    private boolean closed;

    public PushQueue(Duration debounce, Consumer<Set<PushReason>> pushHandler) {
        this.debounce = debounce.isNegative() ? Duration.ZERO : debounce;
        this.maxDelay = this.debounce.multipliedBy(10).plusMillis(100);
        this.pushHandler = pushHandler;
    }

    /** Records a change; never blocks (safe from gRPC and watcher threads). */
    public synchronized void enqueue(PushReason reason) {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        if (pending.isEmpty()) {
            windowStartNanos = now;
        }
        pending.add(reason);
        lastEventNanos = now;
        if (scheduled == null) {
            scheduled = thread.schedule(this::fireIfQuiet, debounce.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void fireIfQuiet() {
        Set<PushReason> reasons;
        synchronized (this) {
            scheduled = null;
            if (pending.isEmpty() || closed) {
                return;
            }
            long now = System.nanoTime();
            long quietFor = now - lastEventNanos;
            long waited = now - windowStartNanos;
            if (quietFor < debounce.toNanos() && waited < maxDelay.toNanos()) {
                long delay = Math.min(debounce.toNanos() - quietFor, maxDelay.toNanos() - waited);
                scheduled = thread.schedule(this::fireIfQuiet, delay, TimeUnit.NANOSECONDS);
                return;
            }
            reasons = EnumSet.copyOf(pending);
            pending.clear();
        }
        try {
            pushHandler.accept(Set.copyOf(reasons));
        } catch (RuntimeException e) {
            log.error("push for {} failed", reasons, e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
