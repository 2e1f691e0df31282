package dev.wharf.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Claims, leases, takeover after a lost lease, retries and cancel, on SQLite with a clock the test moves. */
class JobStoreTest {
    // PostgresJobStoreTest runs the same tests on PostgreSQL (where claims use FOR UPDATE SKIP LOCKED).
    static final Duration LEASE = Duration.ofSeconds(30);
    @TempDir Path dir;
    Database db;
    JobStore store;
    final ObjectMapper json = new ObjectMapper();
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeEach
    void open() {
        db = openDatabase();
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now; }
        };
        store = new JobStore(db, json, clock);
    }

    protected Database openDatabase() {
        return Database.open("jdbc:sqlite:" + dir.resolve("jobs.db"), null, null, 2, null);
    }

    @AfterEach
    void close() {
        db.close();
    }

    Job submit() {
        return store.submit("acme", "t", "caption", json.createObjectNode().put("x", 1), 3, 1);
    }

    @Test
    void aJobIsClaimedOnceUntilItsLeaseExpires() {
        Job job = submit();
        assertThat(job.state()).isEqualTo(JobState.NEW);
        Optional<Job> a = store.claim("a", List.of("t"), LEASE);
        assertThat(a).isPresent();
        assertThat(a.get().state()).isEqualTo(JobState.RUNNING);
        assertThat(a.get().attempts()).isEqualTo(1);
        assertThat(store.claim("b", List.of("t"), LEASE)).isEmpty();
        assertThat(store.claim("b", List.of("other"), LEASE)).isEmpty();

        now = now.plus(LEASE).plusSeconds(1); // worker a died
        Job resumed = store.claim("b", List.of("t"), LEASE).orElseThrow();
        assertThat(resumed.claimedBy()).isEqualTo("b");
        assertThat(resumed.attempts()).isEqualTo(2);
        ObjectNode progress = json.createObjectNode();
        assertThat(store.renew(job.id(), "a", LEASE)).isFalse();
        assertThat(store.complete(job.id(), "a", progress)).isFalse(); // the old owner cannot finish it
        assertThat(store.complete(job.id(), "b", progress)).isTrue();
        assertThat(store.find(job.id()).orElseThrow().state()).isEqualTo(JobState.COMPLETED);
    }

    @Test
    void aRetryWaitsForItsBackoff() {
        Job job = submit();
        store.claim("a", List.of("t"), LEASE);
        store.retryLater(job.id(), "a", json.createObjectNode(), "cannot reach host", Duration.ofSeconds(10));
        Job queued = store.find(job.id()).orElseThrow();
        assertThat(queued.state()).isEqualTo(JobState.QUEUED);
        assertThat(queued.error()).isEqualTo("cannot reach host");
        assertThat(store.claim("a", List.of("t"), LEASE)).isEmpty();
        now = now.plusSeconds(11);
        assertThat(store.claim("a", List.of("t"), LEASE)).isPresent();
    }

    @Test
    void cancelEndsAWaitingJobAndFlagsARunningOne() {
        Job waiting = submit();
        assertThat(store.cancel(waiting.id())).isTrue();
        assertThat(store.find(waiting.id()).orElseThrow().state()).isEqualTo(JobState.ERROR);
        Job running = submit();
        store.claim("a", List.of("t"), LEASE);
        assertThat(store.cancel(running.id())).isTrue();
        assertThat(store.cancelRequested(running.id())).isTrue();
        assertThat(store.find(running.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void releaseHandsAJobBackWithoutCountingTheAttempt() {
        Job job = submit();
        store.claim("a", List.of("t"), LEASE);
        store.release(job.id(), "a");
        Job again = store.claim("b", List.of("t"), LEASE).orElseThrow();
        assertThat(again.attempts()).isEqualTo(1);
    }

    @Test
    void backoffDoublesUpToItsCap() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(1));
        assertThat(b.after(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.after(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.after(4)).isEqualTo(Duration.ofSeconds(40));
        assertThat(b.after(5)).isEqualTo(Duration.ofMinutes(1));
        assertThat(b.after(100)).isEqualTo(Duration.ofMinutes(1));
    }
}
