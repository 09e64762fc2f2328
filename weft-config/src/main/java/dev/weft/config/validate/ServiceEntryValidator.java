package dev.weft.config.validate;

import dev.weft.config.load.FieldPath;
import dev.weft.config.model.ServiceEntrySpec;
import dev.weft.config.model.ServicePort;
import dev.weft.config.model.WorkloadEntrySpec;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks ServiceEntries and WorkloadEntries (an entry's endpoints share WorkloadEntry's shape). */
final class ServiceEntryValidator {
    private static final Set<String> PROTOCOLS = Set.of("HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB", "MONGO",
            "MYSQL", "REDIS", "TCP", "TLS", "UDP");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private ServiceEntryValidator() {}

    static void validate(ServiceEntrySpec spec, Reporter r) {
        FieldPath s = FieldPath.of("spec");
        if (spec.hosts().isEmpty()) {
            r.error(s.field("hosts"), "at least one host is required");
        }
        for (int i = 0; i < spec.hosts().size(); i++) {
            String h = spec.hosts().get(i);
            FieldPath at = s.field("hosts").index(i);
            if ("*".equals(h)) {
                r.error(at, "a ServiceEntry host cannot be '*'");
            } else {
                Checks.host(r, at, h, true);
            }
        }
        for (int i = 0; i < spec.addresses().size(); i++) {
            String a = spec.addresses().get(i);
            if (!isIpOrCidr(a)) {
                r.error(s.field("addresses").index(i), "\"" + a + "\" is not an IP address or CIDR block");
            }
        }
        if (spec.ports().isEmpty()) {
            r.error(s.field("ports"), "at least one port is required");
        }
        Set<Integer> numbers = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.ports().size(); i++) {
            ServicePort p = spec.ports().get(i);
            FieldPath at = s.field("ports").index(i);
            Checks.requiredPort(r, at.field("number"), p.number());
            if (p.number() != null && !numbers.add(p.number())) {
                r.error(at.field("number"), "duplicate port " + p.number());
            }
            Checks.dnsLabel(r, at.field("name"), "port name", p.name());
            if (p.name() != null && !p.name().isEmpty() && !names.add(p.name())) {
                r.error(at.field("name"), "duplicate port name \"" + p.name() + "\"");
            }
            if (p.protocol() != null && !PROTOCOLS.contains(p.protocol().toUpperCase(Locale.ROOT))) {
                r.error(at.field("protocol"), "unsupported protocol \"" + p.protocol() + "\", must be one of: "
                        + String.join(", ", PROTOCOLS.stream().sorted().toList()));
            }
            Checks.port(r, at.field("targetPort"), p.targetPort());
        }
        var resolution = spec.resolutionOrDefault();
        if (spec.workloadSelector() != null) {
            if (!spec.endpoints().isEmpty()) {
                r.error(s.field("workloadSelector"), "workloadSelector and endpoints cannot both be set");
            }
            Checks.labels(r, s.field("workloadSelector").field("labels"), spec.workloadSelector().labels());
        }
        if (resolution == ServiceEntrySpec.Resolution.STATIC && spec.endpoints().isEmpty()
                && spec.workloadSelector() == null) {
            r.error(s.field("endpoints"), "resolution STATIC needs endpoints or a workloadSelector");
        }
        if ((resolution == ServiceEntrySpec.Resolution.DNS || resolution == ServiceEntrySpec.Resolution.DNS_ROUND_ROBIN)
                && spec.endpoints().isEmpty()) {
            for (int i = 0; i < spec.hosts().size(); i++) {
                if (spec.hosts().get(i).startsWith("*")) {
                    r.error(s.field("hosts").index(i), "resolution " + resolution
                            + " without endpoints cannot resolve the wildcard host \"" + spec.hosts().get(i) + "\"");
                }
            }
        }
        for (int i = 0; i < spec.endpoints().size(); i++) {
            WorkloadEntrySpec ep = spec.endpoints().get(i);
            FieldPath at = s.field("endpoints").index(i);
            workload(ep, at, r, resolution != ServiceEntrySpec.Resolution.STATIC);
            for (String portName : ep.ports().keySet()) {
                if (!names.contains(portName)) {
                    r.error(at.field("ports").key(portName), "port name \"" + portName
                            + "\" is not one of this ServiceEntry's ports " + names.stream().sorted().toList());
                }
            }
        }
        Checks.exportTo(r, s.field("exportTo"), spec.exportTo());
    }

    static void validateWorkloadEntry(WorkloadEntrySpec spec, Reporter r) {
        workload(spec, FieldPath.of("spec"), r, true);
    }

    /** {@code hostnameAllowed}: DNS-resolved entries may name a host; STATIC ones need an IP. */
    private static void workload(WorkloadEntrySpec w, FieldPath at, Reporter r, boolean hostnameAllowed) {
        String a = w.address();
        if (a == null || a.isEmpty()) {
            r.error(at.field("address"), "address is required");
        } else if (a.startsWith("unix://")) {
            if (a.length() == "unix://".length()) {
                r.error(at.field("address"), "unix socket address has no path");
            }
        } else if (!isIp(a)) {
            if (!hostnameAllowed) {
                r.error(at.field("address"), "\"" + a + "\" is not an IP address (resolution STATIC needs IPs)");
            } else {
                Checks.host(r, at.field("address"), a, false);
            }
        }
        for (var e : w.ports().entrySet()) {
            Checks.dnsLabel(r, at.field("ports").key(e.getKey()), "port name", e.getKey());
            Checks.requiredPort(r, at.field("ports").key(e.getKey()), e.getValue());
        }
        Checks.labels(r, at.field("labels"), w.labels());
        Checks.nonNegative(r, at.field("weight"), w.weight());
        if (w.serviceAccount() != null && !w.serviceAccount().isEmpty()) {
            Checks.dnsLabel(r, at.field("serviceAccount"), "serviceAccount", w.serviceAccount());
        }
    }

    static boolean isIp(String s) {
        var m = IPV4.matcher(s);
        if (m.matches()) {
            for (int g = 1; g <= 4; g++) {
                if (Integer.parseInt(m.group(g)) > 255) {
                    return false;
                }
            }
            return true;
        }
        // IPv6: let the JDK parse it; the colon check keeps it from doing a DNS lookup.
        if (s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+")) {
            try {
                java.net.InetAddress.getByName(s);
                return true;
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    private static boolean isIpOrCidr(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            return isIp(s);
        }
        String ip = s.substring(0, slash);
        String bits = s.substring(slash + 1);
        if (!isIp(ip) || !bits.matches("\\d{1,3}")) {
            return false;
        }
        int n = Integer.parseInt(bits);
        return n <= (ip.indexOf(':') >= 0 ? 128 : 32);
    }
}
