package dev.weft.controlplane.generator;

import dev.weft.config.model.HeaderOperations;
import dev.weft.config.model.Headers;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;

import java.util.ArrayList;
import java.util.List;

/** Istio header operations as Envoy header mutations: {@code set} overwrites, {@code add} appends. */
final class HeaderOperationsTranslator {
    private HeaderOperationsTranslator() {}

    record Mutations(List<HeaderValueOption> requestAdd, List<String> requestRemove,
                     List<HeaderValueOption> responseAdd, List<String> responseRemove) {
        static final Mutations NONE = new Mutations(List.of(), List.of(), List.of(), List.of());
    }

    static Mutations of(Headers headers) {
        if (headers == null) {
            return Mutations.NONE;
        }
        List<HeaderValueOption> reqAdd = new ArrayList<>();
        List<String> reqRemove = new ArrayList<>();
        List<HeaderValueOption> respAdd = new ArrayList<>();
        List<String> respRemove = new ArrayList<>();
        collect(headers.request(), reqAdd, reqRemove);
        collect(headers.response(), respAdd, respRemove);
        return new Mutations(reqAdd, reqRemove, respAdd, respRemove);
    }

    private static void collect(HeaderOperations ops, List<HeaderValueOption> add, List<String> remove) {
        if (ops == null) {
            return;
        }
        ops.set().forEach((k, v) -> add.add(option(k, v, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
        ops.add().forEach((k, v) -> add.add(option(k, v, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
        remove.addAll(ops.remove());
    }

    private static HeaderValueOption option(String name, String value, HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(action)
                .build();
    }
}
