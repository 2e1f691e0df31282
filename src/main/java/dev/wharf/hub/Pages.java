package dev.wharf.hub;

import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code page} and {@code page_size} query parameters (defaults 1 and 10, as the contract says) and the
 * {@code next}/{@code previous} links of a listing. Links are absolute, built from the request's own scheme and
 * host, because Hub clients fetch them as they are, and keep the request's other query parameters. A missing link is left out rather than sent as null: the
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

    /**
     * For the repository and tag lists: a {@code page_size} above 100 is served as 100, as Docker Hub does, rather
     * than refused; Renovate, for one, asks for {@code page_size=1000} and follows {@code next}.
     */
    static Pages capped(Context ctx) {
        return new Pages(number(ctx, "page", 1, Integer.MAX_VALUE),
                Math.min(number(ctx, "page_size", 10, Integer.MAX_VALUE), MAX_PAGE_SIZE));
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

    /** The same request with another page: every other query parameter (filters, ordering) carries over. */
    private String link(Context ctx, int target) {
        StringBuilder query = new StringBuilder();
        ctx.queryParamMap().forEach((name, values) -> {
            if (name.equals("page") || name.equals("page_size")) return;
            for (String v : values) query.append(encode(name)).append('=').append(encode(v)).append('&');
        });
        return ctx.scheme() + "://" + ctx.host() + ctx.path() + "?" + query + "page=" + target + "&page_size="
                + pageSize;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
