package dev.weft.tests.harness;

import dev.weft.cli.launch.Sidecar;
import dev.weft.demo.DemoService;

/**
 * One workload of a test mesh: an echo app in the test JVM (null for a workload whose app is down) and its sidecar
 * as a child process.
 */
public record Workload(String name, DemoService app, Sidecar sidecar) {
}
