package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;

import java.util.SortedMap;

/** A pure function from (push context, proxy) to every resource of one xDS type for that proxy, by name. */
public interface ResourceGenerator {
    XdsType type();

    SortedMap<String, Message> generate(PushContext context, ProxyNode proxy);
}
