package dev.weft.config.model;

import java.util.List;

/** Istio {@code VirtualService.spec}; hosts are as written (resolve with {@code Hosts.resolve}). */
public record VirtualServiceSpec(List<String> hosts, List<String> gateways, List<HttpRoute> http,
                                 List<String> exportTo, List<TcpRoute> tcp) {
    public VirtualServiceSpec {
        hosts = Immutables.list(hosts);
        gateways = Immutables.list(gateways);
        http = Immutables.list(http);
        exportTo = Immutables.list(exportTo);
        tcp = Immutables.list(tcp);
    }

    /** Without tcp routes. */
    public VirtualServiceSpec(List<String> hosts, List<String> gateways, List<HttpRoute> http, List<String> exportTo) {
        this(hosts, gateways, http, exportTo, List.of());
    }
}
