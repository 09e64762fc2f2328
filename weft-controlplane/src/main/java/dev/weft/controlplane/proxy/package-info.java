/**
 * Who a connected proxy is: its xDS node metadata parsed once into a {@link dev.weft.controlplane.proxy.ProxyNode}.
 */
package dev.weft.controlplane.proxy;
