package dev.weft.cli.launch;

import java.util.List;
import java.util.Map;

/**
 * One workload's sidecar, as {@code weft proxy} flags.
 *
 * @param name unique name in the mesh, used for log and cache folder names
 * @param service the service the workload serves
 * @param labels workload labels (subsets select on them)
 * @param appPort where the app listens on 127.0.0.1
 * @param servicePort the port the service is known by (the same for every instance of a service)
 * @param upstreams {@code SERVICE[:PORT]=LOCALPORT} bindings
 */
public record SidecarSpec(String name, String service, String namespace, Map<String, String> labels, int appPort,
                          int servicePort, List<String> upstreams) {
    public SidecarSpec {
        labels = Map.copyOf(labels);
        upstreams = List.copyOf(upstreams);
    }

    public static SidecarSpec of(String name, String service, String version, int appPort, int servicePort) {
        return new SidecarSpec(name, service, "default", Map.of("app", service, "version", version), appPort,
                servicePort, List.of());
    }
}
