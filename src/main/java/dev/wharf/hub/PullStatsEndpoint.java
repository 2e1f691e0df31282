package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.storage.meta.MetadataStore;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * {@code GET /v2/namespaces/{namespace}/repositories/{repository}/pulls-per-day?days=N}: Wharf's own, read-only,
 * for the console's chart. Manifest pulls per UTC day over the last N days (1..366, default 30), today
 * included, every day listed (zero when nothing was pulled). Visible to whoever may see the repository.
 */
final class PullStatsEndpoint {
    private static final int MAX_DAYS = 366;

    private final MetadataStore meta;
    private final RepositoryLookup lookup;
    private final HubAuth auth;
    private final ObjectMapper json;
    private final Clock clock;

    PullStatsEndpoint(HubServices services, HubAuth auth, ObjectMapper json, Clock clock) {
        this.meta = services.meta();
        this.lookup = new RepositoryLookup(services);
        this.auth = auth;
        this.json = json;
        this.clock = clock;
    }

    void get(Context ctx) {
        int days = days(ctx.queryParam("days"));
        RepositoryLookup.Found repo = lookup.visible(ctx, auth.optional(ctx));
        LocalDate to = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate from = to.minusDays(days - 1L);
        SortedMap<LocalDate, Long> counted = meta.pullsPerDay(repo.name(), from, to);
        List<Map<String, Object>> series = new ArrayList<>(days);
        long total = 0;
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            long pulls = counted.getOrDefault(d, 0L);
            total += pulls;
            series.add(Map.of("date", d.toString(), "pulls", pulls));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repository", repo.name());
        body.put("from", from.toString());
        body.put("to", to.toString());
        body.put("total", total);
        body.put("days", series);
        HubJson.write(ctx, json, 200, body);
    }

    private static int days(String raw) {
        if (raw == null) return 30;
        try {
            int n = Integer.parseInt(raw);
            if (n >= 1 && n <= MAX_DAYS) return n;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HubException.invalidField("days", "days must be a whole number from 1 to " + MAX_DAYS);
    }
}
