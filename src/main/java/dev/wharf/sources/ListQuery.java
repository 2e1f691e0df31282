package dev.wharf.sources;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Cycle's list parameters: {@code sort} (comma separated, {@code -} for descending) and
 * {@code page[size]}/{@code page[number]} (1-based; 20 per page unless told, at most 100). Parsed once here, then
 * applied in SQL (sources, images, jobs).
 */
final class ListQuery {
    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;

    private ListQuery() {}

    /** One sort key of the {@code sort} parameter. */
    record Sort(String field, boolean descending) {}

    /** A page: {@code size} rows from row {@code offset()}. */
    record Page(int size, int number) {
        long offset() {
            return (long) (number - 1) * size;
        }
    }

    /** The {@code sort} keys in order; a field not in {@code sortable} is a 400 naming the ones that are. */
    static List<Sort> sorts(List<String> sortParams, Set<String> sortable) {
        List<Sort> out = new ArrayList<>();
        for (String param : sortParams) {
            for (String key : param.split(",")) {
                key = key.strip();
                if (key.isEmpty()) continue;
                boolean desc = key.startsWith("-");
                String field = desc ? key.substring(1) : key;
                if (!sortable.contains(field)) {
                    throw CycleException.invalid(null, "cannot sort by '" + field + "'; sortable fields: "
                            + String.join(", ", new TreeSet<>(sortable)));
                }
                out.add(new Sort(field, desc));
            }
        }
        return out;
    }

    static Page page(String pageSize, String pageNumber) {
        int size = number(pageSize, "page[size]", DEFAULT_PAGE_SIZE);
        int page = number(pageNumber, "page[number]", 1);
        return new Page(Math.min(size, MAX_PAGE_SIZE), page);
    }

    /**
     * An SQL {@code ORDER BY} list for the sort keys: {@code columns} maps each sortable field to its column (a
     * fixed name, never request text); {@code fallback} orders when no key is given, {@code tieBreak} (a unique
     * column) makes the order total so pages neither repeat nor skip rows.
     */
    static String orderBy(List<Sort> sorts, Map<String, String> columns, String fallback, String tieBreak) {
        if (sorts.isEmpty()) return fallback + ", " + tieBreak;
        return sorts.stream().map(s -> columns.get(s.field()) + (s.descending() ? " DESC" : ""))
                .collect(Collectors.joining(", ")) + ", " + tieBreak;
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

    /** {@code filter[name]} as a comma list, each value one of {@code allowed} (else a 400 listing them). */
    static Set<String> oneOf(String filterValue, String name, Set<String> allowed) {
        Set<String> values = filterValue == null ? Set.of() : values(List.of(filterValue));
        for (String v : values) {
            if (!allowed.contains(v)) {
                throw CycleException.invalid(null, "filter[" + name + "] accepts " + String.join(", ",
                        new TreeSet<>(allowed)) + "; got " + v);
            }
        }
        return values;
    }

    /**
     * A {@code LIKE} pattern matching lower-cased {@code text} anywhere (compare it with a lower-cased column),
     * with {@code !} escaping the wildcards the text may hold; use with {@code ESCAPE '!'} (not a backslash,
     * which SQL dialects and JDBI's parser treat differently).
     */
    static String containsPattern(String text) {
        String escaped = text.toLowerCase(java.util.Locale.ROOT).replace("!", "!!").replace("%", "!%")
                .replace("_", "!_");
        return "%" + escaped + "%";
    }
}
