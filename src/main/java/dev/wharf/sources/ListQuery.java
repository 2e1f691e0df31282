package dev.wharf.sources;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Cycle's list parameters: {@code sort} (comma separated, {@code -} for descending) and
 * {@code page[size]}/{@code page[number]} (1-based; 20 per page unless told, at most 100).
 */
final class ListQuery {
    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;

    private ListQuery() {}

    static <T> List<T> sortAndPage(List<T> items, List<String> sortParams, Map<String, Comparator<T>> sortable,
            String pageSize, String pageNumber) {
        List<T> sorted = new ArrayList<>(items);
        Comparator<T> order = null;
        for (String param : sortParams) {
            for (String key : param.split(",")) {
                key = key.strip();
                if (key.isEmpty()) continue;
                boolean desc = key.startsWith("-");
                String field = desc ? key.substring(1) : key;
                Comparator<T> c = sortable.get(field);
                if (c == null) {
                    throw CycleException.invalid(null, "cannot sort by '" + field + "'; sortable fields: "
                            + String.join(", ", new java.util.TreeSet<>(sortable.keySet())));
                }
                if (desc) c = c.reversed();
                order = order == null ? c : order.thenComparing(c);
            }
        }
        if (order != null) sorted.sort(order);
        int size = number(pageSize, "page[size]", DEFAULT_PAGE_SIZE);
        int page = number(pageNumber, "page[number]", 1);
        if (size > MAX_PAGE_SIZE) size = MAX_PAGE_SIZE;
        long from = (long) (page - 1) * size;
        if (from >= sorted.size()) return List.of();
        return sorted.subList((int) from, (int) Math.min(sorted.size(), from + size));
    }

    private static int number(String value, String name, int fallback) {
        if (value == null || value.isBlank()) return fallback;
        try {
            int n = (int) Double.parseDouble(value.strip()); // the contract types these as number
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw CycleException.invalid(null, name + " must be a positive number, got " + value);
        }
    }

    /** Splits {@code a,b} and repeated parameters into one set of trimmed, non-empty values. */
    static Set<String> values(List<String> params) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String p : params) Arrays.stream(p.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(out::add);
        return out;
    }

    static <T, K extends Comparable<K>> Comparator<T> by(Function<T, K> key) {
        return Comparator.comparing(key, Comparator.nullsFirst(Comparator.naturalOrder()));
    }
}
