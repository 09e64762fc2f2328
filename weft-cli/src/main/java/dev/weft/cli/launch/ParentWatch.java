package dev.weft.cli.launch;

import java.util.Optional;

/**
 * In a child started by {@link WeftLauncher}: exits when the parent process is gone, so a parent killed with
 * SIGKILL (whose shutdown hooks never run) still leaves no process behind.
 */
public final class ParentWatch {
    public static final String PARENT_PID_PROPERTY = "weft.parent.pid";

    private ParentWatch() {
    }

    /** Starts watching if this JVM was started with {@code -Dweft.parent.pid}; does nothing otherwise. */
    public static void installIfRequested() {
        String pid = System.getProperty(PARENT_PID_PROPERTY);
        if (pid == null || pid.isBlank()) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid.strip()));
        if (parent.isEmpty() || !parent.get().isAlive()) {
            System.err.println("weft: parent process " + pid + " is gone; exiting");
            System.exit(3);
        }
        parent.get().onExit().thenRun(() -> {
            System.err.println("weft: parent process " + pid + " exited; stopping");
            System.exit(3);
        });
    }
}
