package dev.weft.config.validate;

import dev.weft.config.Hosts;
import dev.weft.config.load.FieldPath;
import dev.weft.config.model.Percent;
import dev.weft.config.model.StringMatch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Field-level checks shared by the resource validators. */
final class Checks {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern LABEL_PREFIX =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

    private Checks() {}

    static void host(Reporter r, FieldPath at, String host, boolean wildcardAllowed) {
        if (host == null || host.isEmpty()) {
            r.error(at, "host is required");
            return;
        }
        String problem = Hosts.problem(host, wildcardAllowed);
        if (problem != null) {
            r.error(at, problem);
        }
    }

    static void port(Reporter r, FieldPath at, Integer port) {
        if (port != null && (port < 1 || port > 65535)) {
            r.error(at, "port " + port + " is out of range 1-65535");
        }
    }

    static void requiredPort(Reporter r, FieldPath at, Integer port) {
        if (port == null) {
            r.error(at, "port number is required");
        } else {
            port(r, at, port);
        }
    }

    static void dnsLabel(Reporter r, FieldPath at, String what, String value) {
        if (value == null || value.isEmpty()) {
            r.error(at, what + " is required");
        } else if (value.length() > 63 || !DNS_LABEL.matcher(value).matches()) {
            r.error(at, what + " \"" + value
                    + "\" must be lower-case letters, digits and '-' (at most 63), starting and ending with a letter or digit");
        }
    }

    /**
     * Istio's StringMatch: exactly one of exact, prefix, regex. {@code presentAllowed}: an empty match means
     * "present" (header and query-parameter matches).
     */
    static void stringMatch(Reporter r, FieldPath at, StringMatch m, boolean presentAllowed) {
        if (m == null) {
            if (!presentAllowed) {
                r.error(at, "a match needs exactly one of exact, prefix, regex");
            }
            return;
        }
        int set = m.variantsSet();
        if (set > 1) {
            r.error(at, "exactly one of exact, prefix, regex may be set, found " + set);
        } else if (set == 0 && !presentAllowed) {
            r.error(at, "a match needs exactly one of exact, prefix, regex");
        } else if (m.regex() != null) {
            regex(r, at.field("regex"), m.regex());
        }
    }

    static void regex(Reporter r, FieldPath at, String regex) {
        if (regex.isEmpty()) {
            r.error(at, "regex is empty");
            return;
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            r.error(at, "invalid regex \"" + regex + "\": " + e.getDescription()
                    + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
        }
    }

    static void headerName(Reporter r, FieldPath at, String name) {
        if (name.isEmpty() || !HEADER_NAME.matcher(name).matches()) {
            r.error(at, "\"" + name + "\" is not a valid HTTP header name");
        }
    }

    static void headerMatches(Reporter r, FieldPath at, Map<String, StringMatch> matches, boolean isHeader) {
        for (var e : matches.entrySet()) {
            FieldPath p = at.key(e.getKey());
            if (isHeader) {
                headerName(r, p, e.getKey());
            } else if (e.getKey().isEmpty()) {
                r.error(p, "query parameter name is empty");
            }
            stringMatch(r, p, e.getValue(), true);
        }
    }

    static void labels(Reporter r, FieldPath at, Map<String, String> labels) {
        for (var e : labels.entrySet()) {
            FieldPath p = at.key(e.getKey());
            String key = e.getKey();
            String name = key;
            int slash = key.indexOf('/');
            if (slash >= 0) {
                String prefix = key.substring(0, slash);
                name = key.substring(slash + 1);
                if (prefix.isEmpty() || prefix.length() > 253 || !LABEL_PREFIX.matcher(prefix).matches()) {
                    r.error(p, "label key \"" + key + "\" has an invalid prefix (must be a DNS subdomain)");
                    continue;
                }
            }
            if (name.isEmpty() || name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
                r.error(p, "label key \"" + key
                        + "\" is invalid (at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit)");
            }
            String v = e.getValue();
            if (v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                r.error(p, "label value \"" + v
                        + "\" is invalid (at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit)");
            }
        }
    }

    static void exportTo(Reporter r, FieldPath at, List<String> exportTo) {
        for (int i = 0; i < exportTo.size(); i++) {
            String e = exportTo.get(i);
            if (!e.equals(".") && !e.equals("*") && !e.equals("~")) {
                dnsLabel(r, at.index(i), "exportTo namespace", e);
            }
        }
    }

    static void nonNegative(Reporter r, FieldPath at, Number n) {
        if (n != null && n.longValue() < 0) {
            r.error(at, "must not be negative, got " + n);
        }
    }

    static void positive(Reporter r, FieldPath at, Number n) {
        if (n != null && n.longValue() <= 0) {
            r.error(at, "must be greater than 0, got " + n);
        }
    }

    static void percentRange(Reporter r, FieldPath at, Number n) {
        if (n != null && (n.doubleValue() < 0 || n.doubleValue() > 100)) {
            r.error(at, "must be between 0 and 100, got " + n);
        }
    }

    static void percent(Reporter r, FieldPath at, Percent p) {
        if (p != null) {
            if (p.value() == null) {
                r.error(at.field("value"), "value is required");
            } else {
                percentRange(r, at.field("value"), p.value());
            }
        }
    }

    /** Istio requires at least 1ms for durations that configure timers. */
    static void atLeastMillisecond(Reporter r, FieldPath at, Duration d) {
        if (d != null && d.compareTo(Duration.ofMillis(1)) < 0) {
            r.error(at, "duration must be at least 1ms, got " + d.toMillis() + "ms");
        }
    }
}
