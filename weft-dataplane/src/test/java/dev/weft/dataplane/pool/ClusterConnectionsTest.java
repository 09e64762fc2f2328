package dev.weft.dataplane.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The cluster-wide connection budget and pending queue, driven directly. */
class ClusterConnectionsTest {

    /** A waiter that records what it got. */
    static final class Waiter extends AtomicBoolean implements ClusterConnections.PendingRequest {
        final Object pool;
        final List<String> log;
        final String name;

        Waiter(String name, Object pool, List<String> log) {
            this.name = name;
            this.pool = pool;
            this.log = log;
        }

        @Override
        public boolean claim() {
            return compareAndSet(false, true);
        }

        @Override
        public void onSlot() {
            log.add(name);
        }

        @Override
        public boolean canUse(Object endpointPool) {
            return endpointPool == pool;
        }
    }

    @Test
    void slotsAreBoundedAndHandedToWaitersInOrder() {
        ClusterConnections c = new ClusterConnections();
        c.limits(2, 2);
        assertThat(c.tryOpen()).isTrue();
        assertThat(c.tryOpen()).isTrue();
        assertThat(c.tryOpen()).isFalse();
        assertThat(c.connectionOverflows()).isEqualTo(1);
        List<String> log = new ArrayList<>();
        Object pool = new Object();
        assertThat(c.enqueue(new Waiter("a", pool, log))).isTrue();
        assertThat(c.enqueue(new Waiter("b", pool, log))).isTrue();
        assertThat(c.enqueue(new Waiter("c", pool, log))).as("pending queue full").isFalse();
        assertThat(c.pendingOverflows()).isEqualTo(1);
        assertThat(c.pendingRequests()).isEqualTo(2);
        c.release(); // a connection closed: its slot goes to the first waiter
        assertThat(log).containsExactly("a");
        assertThat(c.activeConnections()).isEqualTo(2);
        c.release();
        assertThat(log).containsExactly("a", "b");
        assertThat(c.pendingRequests()).isZero();
        c.release();
        assertThat(c.activeConnections()).isEqualTo(1);
    }

    @Test
    void aFreeConnectionServesAWaiterOfItsOwnPoolAndCancelledWaitersLeave() {
        ClusterConnections c = new ClusterConnections();
        c.limits(1, 0);
        assertThat(c.tryOpen()).isTrue();
        List<String> log = new ArrayList<>();
        Object mine = new Object();
        Object other = new Object();
        Waiter elsewhere = new Waiter("elsewhere", other, log);
        Waiter here = new Waiter("here", mine, log);
        c.enqueue(elsewhere);
        c.enqueue(here);
        assertThat(c.takeFor(mine)).isSameAs(here);
        assertThat(c.cancel(elsewhere)).isTrue();
        assertThat(c.cancel(elsewhere)).as("only once").isFalse();
        assertThat(c.hasWaiters()).isFalse();
        assertThat(c.pendingRequests()).isZero();
        c.release();
        assertThat(log).isEmpty();
        assertThat(c.activeConnections()).isZero();
    }

    @Test
    void aWaiterReclaimsAnIdleConnectionsSlot() {
        ClusterConnections c = new ClusterConnections();
        c.limits(1, 1);
        assertThat(c.tryOpen()).isTrue();
        List<String> log = new ArrayList<>();
        AtomicBoolean closed = new AtomicBoolean();
        c.idle(() -> closed.compareAndSet(false, true)); // an idle connection on another event loop
        c.enqueue(new Waiter("w", new Object(), log));
        assertThat(closed).as("the idle connection was asked to close").isTrue();
        c.release(); // ... and its close frees the slot for the waiter
        assertThat(log).containsExactly("w");
    }
}
