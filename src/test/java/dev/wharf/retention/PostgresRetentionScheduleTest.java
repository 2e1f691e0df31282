package dev.wharf.retention;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.testing.MutableClock;
import dev.wharf.jobs.JobStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two nodes (two connection pools on one PostgreSQL schema): scheduled runs, and batches of one plan run twice. */
class PostgresRetentionScheduleTest {
    static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";

    /** The body's view of two nodes on one fresh PostgreSQL schema (dropped afterwards). */
    interface TwoNodes {
        void run(List<Database> nodes, List<RetentionService> services, MutableClock clock, ExecutorService threads)
                throws Exception;
    }

    static void onTwoNodes(TwoNodes body) throws Exception {
        String schema = "wharf_ret_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        ObjectMapper json = new ObjectMapper();
        List<Database> nodes = List.of(Database.open(URL, "postgres", null, 4, schema),
                Database.open(URL, "postgres", null, 4, schema));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<RetentionService> services = new ArrayList<>();
            for (Database db : nodes) {
                services.add(new RetentionService(new RetentionStore(db), new SqlMetadataStore(db),
                        new JobStore(db, json, clock), json, clock));
            }
            body.run(nodes, services, clock, threads);
        } finally {
            threads.shutdownNow();
            for (Database db : nodes) db.close();
            try (Connection c = DriverManager.getConnection(URL, "postgres", null); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void aScheduledRunOnTwoNodesIsSubmittedOncePerInterval() throws Exception {
        onTwoNodes((nodes, services, clock, threads) -> {
            services.get(0).store().put("acme", "", new RetentionPolicy(5, null, null, 3600L), "admin",
                    clock.instant());
            int submitted = 0;
            for (int round = 0; round < 5; round++) {
                clock.advance(Duration.ofMinutes(61));
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<Integer>> results = new ArrayList<>();
                for (RetentionService s : services) {
                    results.add(threads.submit(() -> {
                        together.await();
                        return s.submitDue();
                    }));
                }
                int thisRound = 0;
                for (Future<Integer> f : results) thisRound += f.get(30, TimeUnit.SECONDS);
                assertThat(thisRound).as("round " + round).isEqualTo(1);
                submitted += thisRound;
                assertThat(services.get(1).submitDue()).as("not due again within the interval").isZero();
            }
            long jobs = nodes.get(0).jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM jobs WHERE type = 'retention.run'").mapTo(Long.class).one());
            assertThat(jobs).isEqualTo(submitted).isEqualTo(5);
        });
    }

    /**
     * Two nodes run the same plan at once in batches of 3 (as a run and a manual re-run could): their batches lock
     * the same manifests, and each image is still deleted exactly once, audited once, and no failure escapes.
     */
    @Test
    void twoNodesRunningOnePlanInBatchesDeleteEachImageOnce() throws Exception {
        onTwoNodes((nodes, services, clock, threads) -> {
            SqlMetadataStore meta = new SqlMetadataStore(nodes.get(0));
            for (int i = 0; i < 20; i++) {
                clock.advance(Duration.ofHours(1));
                byte[] content = ("{\"pg-batch\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                meta.putManifest("acme/app", new dev.wharf.storage.meta.ManifestWrite(
                        dev.wharf.model.Digest.sha256(content), RetentionTest.MANIFEST, null, content, List.of(),
                        List.of(), null, null, 100), "t" + i, clock.instant());
            }
            clock.advance(Duration.ofDays(1));
            services.get(0).store().put("acme", "", new RetentionPolicy(2, null, null, null), "admin",
                    clock.instant());
            RetentionPlan plan = services.get(0).preview("acme", "").get(0);
            assertThat(plan.candidates()).hasSize(18);
            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<RetentionService.Outcome>> runs = new ArrayList<>();
            for (RetentionService s : services) {
                runs.add(threads.submit(() -> {
                    together.await();
                    return s.execute(plan, 3);
                }));
            }
            int deleted = 0;
            for (Future<RetentionService.Outcome> f : runs) deleted += f.get(60, TimeUnit.SECONDS).imagesDeleted();
            assertThat(deleted).isEqualTo(18);
            long audited = nodes.get(0).jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM audit_events WHERE action = 'repo.manifest.delete'").mapTo(Long.class).one());
            assertThat(audited).isEqualTo(18);
            assertThat(services.get(1).preview("acme", "").get(0).images()).isEqualTo(2);
        });
    }
}
