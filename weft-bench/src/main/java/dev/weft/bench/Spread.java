package dev.weft.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A figure measured once per run: its median and the range it spanned. NaN values (a phase that produced no
 * figure) are left out; a spread of no values is all NaN.
 */
public record Spread(double median, double min, double max, int n) {
    public static Spread of(List<Double> values) {
        List<Double> sorted = new ArrayList<>();
        for (Double v : values) {
            if (v != null && !v.isNaN() && !v.isInfinite()) {
                sorted.add(v);
            }
        }
        if (sorted.isEmpty()) {
            return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        Collections.sort(sorted);
        int size = sorted.size();
        double median = size % 2 == 1 ? sorted.get(size / 2) : (sorted.get(size / 2 - 1) + sorted.get(size / 2)) / 2;
        return new Spread(median, sorted.getFirst(), sorted.getLast(), size);
    }
}
