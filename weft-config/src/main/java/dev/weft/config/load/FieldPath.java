package dev.weft.config.load;

import java.util.regex.Pattern;

/**
 * A path into a resource document, printed as users read it ({@code spec.http[0].route[1].weight}) and
 * convertible to the JSON pointer used to look up its line ({@code /spec/http/0/route/1/weight}).
 */
public final class FieldPath {
    public static final FieldPath ROOT = new FieldPath(null, null, -1);
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private final FieldPath parent;
    private final String key;
    private final int index;

    private FieldPath(FieldPath parent, String key, int index) {
        this.parent = parent;
        this.key = key;
        this.index = index;
    }

    public static FieldPath of(String... fields) {
        FieldPath p = ROOT;
        for (String f : fields) {
            p = p.field(f);
        }
        return p;
    }

    public FieldPath field(String name) {
        return new FieldPath(this, name, -1);
    }

    /** A map key; printed as {@code .key} when plain, {@code ["a.b/c"]} otherwise. */
    public FieldPath key(String name) {
        return field(name);
    }

    public FieldPath index(int i) {
        return new FieldPath(this, null, i);
    }

    public boolean isRoot() {
        return parent == null;
    }

    public String pointer() {
        if (isRoot()) {
            return "";
        }
        String seg = key != null ? key.replace("~", "~0").replace("/", "~1") : Integer.toString(index);
        return parent.pointer() + "/" + seg;
    }

    @Override
    public String toString() {
        if (isRoot()) {
            return "";
        }
        String prefix = parent.toString();
        if (key == null) {
            return prefix + "[" + index + "]";
        }
        if (PLAIN_KEY.matcher(key).matches()) {
            return prefix.isEmpty() ? key : prefix + "." + key;
        }
        return prefix + "[\"" + key + "\"]";
    }
}
