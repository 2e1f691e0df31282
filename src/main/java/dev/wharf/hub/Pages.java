package dev.wharf.hub;

import io.javalin.http.Context;
import java.util.Map;

/**
 * {@code page} and {@code page_size} query parameters (defaults 1 and 10, as the contract says) and the
 * {@code next}/{@code previous} links of a listing. Links are absolute, built from the request's own scheme and
 * host, because Hub clients fetch them as they are. A missing link is left out rather than sent as null: the
 * contract types both as non-nullable strings.
 */
record Pages(int page, int pageSize) {
    static final int MAX_PAGE_SIZE = 100;

    static Pages of(Context ctx) {
        return of(ctx, 10);
    }

    /** With another default page size (the audit log's is 25). */
    static Pages of(Context ctx, int defaultPageSize) {
        return new Pages(number(ctx, "page", 1, Integer.MAX_VALUE),
                number(ctx, "page_size", defaultPageSize, MAX_PAGE_SIZE));
    }

    /** How many items the pages before this one hold. */
    long offset() {
        return (long) (page - 1) * pageSize;
    }

    private static int number(Context ctx, String name, int fallback, int max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) return fallback;
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 1 && n <= max) return n;
        } catch (NumberFormatException e) {
            // answered below like an out-of-range number
        }
        throw HubException.invalidField(name, "Must be a whole number from 1 to " + max + ".");
    }

    /** Adds {@code next} and {@code previous} to a listing body when those pages exist. */
    void links(Context ctx, long total, Map<String, Object> body) {
        if ((long) page * pageSize < total) body.put("next", link(ctx, page + 1));
        if (page > 1) body.put("previous", link(ctx, page - 1));
    }

    private String link(Context ctx, int target) {
        return ctx.scheme() + "://" + ctx.host() + ctx.path() + "?page=" + target + "&page_size=" + pageSize;
    }
}
