package dev.weft.config.validate;

import dev.weft.config.load.FieldPath;
import dev.weft.config.model.PeerAuthentication;
import dev.weft.config.model.PeerAuthenticationSpec;
import java.util.Map;

/** Istio's rules for PeerAuthentication that binding alone does not catch. */
final class PeerAuthenticationValidator {
    private PeerAuthenticationValidator() {}

    static void validate(PeerAuthentication pa, Reporter r) {
        PeerAuthenticationSpec spec = pa.spec();
        FieldPath s = FieldPath.of("spec");
        boolean hasSelector = spec.selector() != null && !spec.selector().matchLabels().isEmpty();
        if (!spec.portLevelMtls().isEmpty() && !hasSelector) {
            r.error(s.field("portLevelMtls"), "portLevelMtls requires a workload selector (as in Istio)");
        }
        for (Map.Entry<Integer, PeerAuthenticationSpec.Mtls> e : spec.portLevelMtls().entrySet()) {
            FieldPath at = s.field("portLevelMtls").key(String.valueOf(e.getKey()));
            if (e.getKey() == null || e.getKey() < 1 || e.getKey() > 65535) {
                r.error(at, "port must be 1-65535, got " + e.getKey());
            }
            if (e.getValue() == null || e.getValue().mode() == null) {
                r.error(at.field("mode"), "mode is required (UNSET, DISABLE, PERMISSIVE or STRICT)");
            }
        }
    }
}
