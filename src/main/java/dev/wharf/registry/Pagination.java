package dev.wharf.registry;

import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The spec's {@code n}/{@code last} pagination with a {@code Link: <...>; rel="next"} header. */
final class Pagination {
    /** Upper bound on one page; a larger {@code n} is answered with fewer entries and a Link to the rest. */
    static final int MAX_PAGE = 10_000;

    private Pagination() {}

    /** The requested page size; absent {@code n} means "everything", served in pages of MAX_PAGE. */
    static int pageSize(Context ctx) {
        String n = ctx.queryParam("n");
        if (n == null || n.isEmpty()) return MAX_PAGE;
        try {
            int value = Integer.parseInt(n);
            if (value < 0) throw new NumberFormatException();
            return Math.min(value, MAX_PAGE);
        } catch (NumberFormatException e) {
            throw new RegistryException(OciError.PAGINATION_NUMBER_INVALID, "n must be a non-negative integer", n);
        }
    }

    static String last(Context ctx) {
        String last = ctx.queryParam("last");
        return last == null || last.isEmpty() ? null : last;
    }

    /**
     * Trims a page fetched with limit+1 to {@code limit} and sets the Link header when more entries follow.
     */
    static List<String> page(Context ctx, String path, List<String> fetched, int limit) {
        if (limit == 0) return List.of();
        if (fetched.size() <= limit) return fetched;
        List<String> page = fetched.subList(0, limit);
        String lastEntry = page.get(page.size() - 1);
        ctx.header("Link", "<" + path + "?n=" + limit + "&last=" + URLEncoder.encode(lastEntry, StandardCharsets.UTF_8)
                + ">; rel=\"next\"");
        return page;
    }
}
