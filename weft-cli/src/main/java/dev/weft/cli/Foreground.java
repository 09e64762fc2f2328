package dev.weft.cli;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps a long-running command in the foreground until SIGTERM or Ctrl-C, then closes what it started. */
final class Foreground {
    private static final Logger log = LoggerFactory.getLogger(Foreground.class);

    private Foreground() {
    }

    /** Blocks until the JVM is asked to stop; the shutdown hook closes {@code running} before the JVM exits. */
    static void runUntilShutdown(String what, AutoCloseable running) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping {}", what);
            try {
                running.close();
            } catch (Exception e) {
                log.warn("error while stopping {}: {}", what, e.toString());
            } finally {
                closed.countDown();
            }
        }, "weft-shutdown"));
        closed.await();
    }
}
