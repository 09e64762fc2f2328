package dev.weft.bench;

import java.util.List;

/**
 * A started target as the load phases see it.
 *
 * @param port where the client connects (127.0.0.1)
 * @param hostHeader the authority the client sends (what a proxy routes on)
 * @param proxyProcesses the processes whose CPU and memory are the target's cost (empty for direct); their
 *     descendants (nginx workers) count too
 * @param readySeconds from the (last) proxy process start until a request reached the backend through it
 */
public record RunningTarget(String name, int port, String hostHeader, List<ProcessHandle> proxyProcesses,
                            double readySeconds) {
    public RunningTarget {
        proxyProcesses = List.copyOf(proxyProcesses);
    }
}
