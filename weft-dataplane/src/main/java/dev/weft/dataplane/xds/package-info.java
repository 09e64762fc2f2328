/**
 * The data plane's xDS side: an ADS client ({@link dev.weft.dataplane.xds.XdsClient}) that turns Envoy v3
 * resources into the immutable records of {@code dev.weft.dataplane.config}, NACKs what it cannot apply, and caches
 * the last applied resources on disk.
 *
 * <p>Typical wiring in a proxy:
 * <pre>{@code
 * NodeIdentity node = NodeIdentity.sidecar(service, namespace, serviceAccount, labels, address, servicePort,
 *         appPort, "http", inboundPort, outboundPort, upstreams);
 * XdsClient xds = new XdsClient(XdsClient.Options.of("127.0.0.1:15010", node, dataDir));
 * DefaultClusterManager clusters = new DefaultClusterManager();
 * xds.addSnapshotListener(snapshot -> {
 *     clusters.update(snapshot);     // first, so routes never name a cluster that is not built yet
 *     router.apply(snapshot);        // then swap the routing snapshot
 * });
 * xds.start();                       // applies the disk cache, if any, before returning
 * xds.awaitWarm(Duration.ofSeconds(30));
 * }</pre>
 */
package dev.weft.dataplane.xds;
