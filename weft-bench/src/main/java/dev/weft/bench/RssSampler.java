package dev.weft.bench;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Samples the resident memory of process trees while a load phase runs and keeps the peak. */
final class RssSampler implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rss-sampler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong peakKb = new AtomicLong();

    RssSampler(List<ProcessHandle> roots) {
        if (!roots.isEmpty()) {
            timer.scheduleAtFixedRate(() -> peakKb.accumulateAndGet(ProcessStats.rssKb(roots), Math::max),
                    0, 250, TimeUnit.MILLISECONDS);
        }
    }

    long peakKb() {
        return peakKb.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
