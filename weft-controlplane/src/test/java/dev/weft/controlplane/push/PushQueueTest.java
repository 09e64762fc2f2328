package dev.weft.controlplane.push;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PushQueueTest {

    @Test
    void burstOfChangesBecomesOnePushWithEveryReason() throws Exception {
        List<Set<PushReason>> pushes = new CopyOnWriteArrayList<>();
        try (PushQueue q = new PushQueue(Duration.ofMillis(200), pushes::add)) {
            for (int i = 0; i < 20; i++) {
                q.enqueue(i % 2 == 0 ? PushReason.REGISTRY : PushReason.CONFIG_FILES);
                Thread.sleep(5);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> !pushes.isEmpty());
            Thread.sleep(400);
            assertThat(pushes).containsExactly(Set.of(PushReason.REGISTRY, PushReason.CONFIG_FILES));
        }
    }

    @Test
    void changesFarApartArePushedSeparately() throws Exception {
        List<Set<PushReason>> pushes = new CopyOnWriteArrayList<>();
        try (PushQueue q = new PushQueue(Duration.ofMillis(50), pushes::add)) {
            q.enqueue(PushReason.REGISTRY);
            await().atMost(Duration.ofSeconds(5)).until(() -> pushes.size() == 1);
            q.enqueue(PushReason.CONFIG_FILES);
            await().atMost(Duration.ofSeconds(5)).until(() -> pushes.size() == 2);
            assertThat(pushes).containsExactly(Set.of(PushReason.REGISTRY), Set.of(PushReason.CONFIG_FILES));
        }
    }

    @Test
    void aSteadyTrickleCannotPostponeThePushForever() throws Exception {
        List<Long> pushTimes = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        try (PushQueue q = new PushQueue(Duration.ofMillis(50), r -> pushTimes.add(System.nanoTime()))) {
            // An event every 20 ms never leaves 50 ms of quiet; the max delay (10 x debounce + 100 ms) still fires.
            while (System.nanoTime() - start < Duration.ofMillis(1500).toNanos()) {
                q.enqueue(PushReason.REGISTRY);
                Thread.sleep(20);
            }
            assertThat(pushTimes).isNotEmpty();
            assertThat(Duration.ofNanos(pushTimes.getFirst() - start)).isLessThan(Duration.ofMillis(1000));
        }
    }
}
