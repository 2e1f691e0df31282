package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Pull statistics of {@link SqlMetadataStore}: the counters and last pull (hence last activity) of each manifest,
 * and each repository's pulls per UTC day for the console's chart.
 */
final class SqlPullStats extends SqlAggregate {

    SqlPullStats(Database database) {
        super(database);
    }

    void record(String repository, Digest digest, long count, Instant now) {
        // One indexed UPDATE; the increment happens in SQL so concurrent pulls never lose counts, and
        // last_pulled_at never moves backwards when pulls commit out of order; last_activity_at follows it.
        database.inWriteTransaction(h -> h.createUpdate("""
                        UPDATE manifests SET pull_count = pull_count + :count,
                            last_pulled_at = CASE WHEN last_pulled_at IS NULL OR last_pulled_at < :now
                                                  THEN :now ELSE last_pulled_at END,
                            last_activity_at = CASE WHEN last_activity_at < :now
                                                    THEN :now ELSE last_activity_at END
                        WHERE repository_id = (SELECT id FROM repositories WHERE name = :repo) AND digest = :digest""")
                .bind("repo", repository)
                .bind("digest", digest.toString())
                .bind("now", now.toEpochMilli())
                .bind("count", count)
                .execute() > 0
                // The day's counter for the console's chart: an upsert both dialects understand.
                ? h.createUpdate("""
                        INSERT INTO repository_pull_days (repository_id, day, pulls)
                        SELECT id, :day, :count FROM repositories WHERE name = :repo
                        ON CONFLICT (repository_id, day) DO UPDATE
                            SET pulls = repository_pull_days.pulls + excluded.pulls""")
                .bind("repo", repository)
                .bind("day", (int) now.atZone(ZoneOffset.UTC).toLocalDate().toEpochDay())
                .bind("count", count)
                .execute() : 0);
    }

    SortedMap<LocalDate, Long> perDay(String repository, LocalDate from, LocalDate to) {
        SortedMap<LocalDate, Long> days = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("""
                        SELECT d.day, d.pulls FROM repository_pull_days d JOIN repositories r ON r.id = d.repository_id
                        WHERE r.name = :repo AND d.day BETWEEN :from AND :to""")
                .bind("repo", repository)
                .bind("from", (int) from.toEpochDay())
                .bind("to", (int) to.toEpochDay())
                .map((rs, c) -> Map.entry(LocalDate.ofEpochDay(rs.getLong(1)), rs.getLong(2)))
                .forEach(e -> days.put(e.getKey(), e.getValue())));
        return days;
    }
}
