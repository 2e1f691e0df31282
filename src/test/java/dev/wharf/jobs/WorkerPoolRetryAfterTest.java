package dev.wharf.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transient failure that carries its peer's Retry-After (a rate-limited registry, a busy webhook receiver) is
 * retried no sooner than asked, up to {@link WorkerPool#MAX_RETRY_AFTER}; otherwise the backoff decides.
 */
class WorkerPoolRetryAfterTest {
    @TempDir
    Path dir;

    @Test
    void theLongerOfBackoffAndRetryAfterWinsUpToTheCap() {
        Duration backoff = Duration.ofSeconds(20);
        assertThat(WorkerPool.delayAfter(backoff, Optional.empty())).isEqualTo(backoff);
        assertThat(WorkerPool.delayAfter(backoff, Optional.of(Duration.ofSeconds(5)))).isEqualTo(backoff);
        assertThat(WorkerPool.delayAfter(backoff, Optional.of(Duration.ofMinutes(3)))).isEqualTo(Duration.ofMinutes(3));
        assertThat(WorkerPool.delayAfter(backoff, Optional.of(Duration.ofDays(2)))).isEqualTo(WorkerPool.MAX_RETRY_AFTER);
    }

    @Test
    void aJobWhosePeerAskedToWaitIsScheduledThatLate() throws Exception {
        Database db = Database.open("jdbc:sqlite:" + dir.resolve("jobs.db"), null, null, 2, null);
        JobStore store = new JobStore(db, new ObjectMapper(), Clock.systemUTC());
        JobHandler limited = new JobHandler() {
            @Override
            public String type() {
                return "test.limited";
            }

            @Override
            public void run(Job job, JobContext context) {
                throw JobFailure.transientError("the registry failed (HTTP 429)", null, Duration.ofMinutes(30));
            }
        };
        Instant before = Instant.now();
        Job job = store.submit("hub", "test.limited", "limited", new ObjectMapper().createObjectNode(), 3, 0);
        try (WorkerPool pool = new WorkerPool(store, List.of(limited), Clock.systemUTC(), 1, Duration.ofSeconds(30),
                Duration.ofMillis(20), new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10)))) {
            pool.start();
            Job seen = job;
            for (int i = 0; i < 250 && seen.attempts() == 0 || seen.error() == null; i++) {
                Thread.sleep(20);
                seen = store.find(job.id()).orElseThrow();
            }
            assertThat(seen.attempts()).isEqualTo(1);
            assertThat(seen.error()).contains("HTTP 429");
            assertThat(seen.nextAttemptAt()).isAfterOrEqualTo(before.plus(Duration.ofMinutes(30)).minusSeconds(1))
                    .isBefore(Instant.now().plus(Duration.ofMinutes(30)).plusSeconds(1));
        } finally {
            db.close();
        }
    }
}
