package dev.wharf.retention;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.testing.MutableClock;
import dev.wharf.jobs.Backoff;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobState;
import dev.wharf.jobs.JobStore;
import dev.wharf.jobs.WorkerPool;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.ImmutableTags;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention rules, preview and run (SQLite). */
class RetentionTest {
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    static final String REPO = "acme/app";

    @TempDir
    Path dir;
    Database database;
    SqlMetadataStore meta;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    RetentionService service;
    JobStore jobs;

    @BeforeEach
    void open() {
        database = Database.open("jdbc:sqlite:" + dir.resolve("r.db"), null, null, 4, null);
        meta = new SqlMetadataStore(database);
        jobs = new JobStore(database, new ObjectMapper(), java.time.Clock.systemUTC());
        service = new RetentionService(new RetentionStore(database), meta, jobs, new ObjectMapper(), clock);
    }

    @AfterEach
    void close() {
        meta.close();
    }

    Digest image(String tag, Digest subject) {
        clock.advance(Duration.ofHours(1));
        byte[] content = ("{\"image\":\"" + tag + "\",\"s\":\"" + subject + "\"}").getBytes(UTF_8);
        Digest digest = Digest.sha256(content);
        meta.putManifest(REPO, new ManifestWrite(digest, MANIFEST, null, content, List.of(), List.of(), subject,
                null, 100), tag, clock.instant());
        return digest;
    }

    Digest index(String tag, List<Digest> children) {
        clock.advance(Duration.ofHours(1));
        byte[] content = ("{\"index\":\"" + tag + children + "\"}").getBytes(UTF_8);
        Digest digest = Digest.sha256(content);
        meta.putManifest(REPO, new ManifestWrite(digest, INDEX, null, content, List.of(), children, null, null, 100),
                tag, clock.instant());
        return digest;
    }

    @Test
    void previewListsExactlyWhatTheRunDeletesAndTheKeepRulesHold() throws Exception {
        Digest child = image(null, null); // listed by an index below: never a candidate
        Digest multiIndex = index("release-multi", List.of(child)); // kept by the glob
        Digest old1 = image("v1", null);
        Digest old2 = image("v2", null);
        Digest pulled = image("v3", null);
        Digest stable = image("stable", null); // immutable
        Digest release = image("release-1", null);
        Digest gone = image("v4", null);
        Digest newest1 = image("v5", null);
        Digest newest2 = image("v6", null);
        Digest signature = image("sig", newest2); // refers to a kept image
        Digest orphanSig = image("sig-old", old1); // refers to a candidate: a candidate too
        Digest untagged = image(null, null); // untagged: left to garbage collection
        meta.setImmutableTags(REPO, new ImmutableTags(true, List.of("stable")), clock.instant());
        clock.advance(Duration.ofDays(30));
        meta.recordPull(REPO, pulled, clock.instant().minus(Duration.ofDays(2)));
        // keep_last 3 counts tagged images by push: sig-old, sig, v6 (and sig keeps v6's signature anyway)
        service.store().put("acme", "", new RetentionPolicy(3, 7, "release-*", null), "admin", clock.instant());

        List<RetentionPlan> preview = service.preview("acme", "");
        assertThat(preview).hasSize(1);
        Set<String> candidates = preview.get(0).candidates().stream().map(RetentionPlan.Candidate::digest)
                .collect(Collectors.toSet());
        assertThat(candidates).containsExactlyInAnyOrder(old1.toString(), old2.toString(), gone.toString(),
                newest1.toString());
        assertThat(candidates).doesNotContain(child.toString(), multiIndex.toString(), stable.toString(),
                release.toString(), pulled.toString(), signature.toString(), untagged.toString());
        // orphanSig is among the three newest: kept by keep_last although its subject goes
        assertThat(candidates).doesNotContain(orphanSig.toString());

        // The run, as a persistent job on a worker pool.
        Job job = service.submitRun("acme", "");
        try (WorkerPool pool = new WorkerPool(jobs, List.of(new RetentionJob(service)), java.time.Clock.systemUTC(),
                1, Duration.ofSeconds(30), Duration.ofMillis(50), Backoff.DEFAULT)) {
            pool.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!jobs.find(job.id()).orElseThrow().state().finished() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        Job done = jobs.find(job.id()).orElseThrow();
        assertThat(done.state()).as(String.valueOf(done.error())).isEqualTo(JobState.COMPLETED);
        assertThat(done.progress().toString()).contains("\"images_deleted\":\"4\"", "\"tags_deleted\":\"4\"");
        for (String c : candidates) assertThat(meta.getManifest(REPO, Digest.parse(c))).as(c).isEmpty();
        for (Digest keptDigest : List.of(child, multiIndex, stable, release, pulled, signature, orphanSig,
                untagged, newest2)) {
            assertThat(meta.getManifest(REPO, keptDigest)).as(keptDigest.toString()).isPresent();
        }
        long audited = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'repo.manifest.delete'").mapTo(Long.class).one());
        assertThat(audited).isEqualTo(4);
        long tagEvents = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'repo.tag.delete'").mapTo(Long.class).one());
        assertThat(tagEvents).isEqualTo(4);
        assertThat(service.preview("acme", "").get(0).candidates()).as("nothing left to do").isEmpty();
    }

    @Test
    void anImagePulledAfterThePlanIsKeptByTheRun() {
        Digest a = image("a", null);
        image("b", null);
        clock.advance(Duration.ofDays(1));
        service.store().put("acme", REPO, new RetentionPolicy(1, null, null, null), "admin", clock.instant());
        RetentionPlan plan = service.preview("acme", REPO).get(0);
        assertThat(plan.candidates()).extracting(RetentionPlan.Candidate::digest).containsExactly(a.toString());
        clock.advance(Duration.ofSeconds(1));
        meta.recordPull(REPO, a, clock.instant()); // a pull running while the run goes
        RetentionService.Outcome outcome = service.execute(plan);
        assertThat(outcome.imagesDeleted()).isZero();
        assertThat(outcome.imagesKeptAfterChange()).isEqualTo(1);
        assertThat(meta.getManifest(REPO, a)).isPresent();
    }

    @Test
    void aRepositoryPolicyOverridesItsNamespacesAndGlobsMatchWholeTags() {
        assertThat(new RetentionPolicy(null, null, "v1.*,latest", null).tagPattern().matcher("v1.2").matches())
                .isTrue();
        assertThat(new RetentionPolicy(null, null, "v1.*", null).tagPattern().matcher("xv1.2").matches()).isFalse();
        assertThat(new RetentionPolicy(null, null, "v?", null).tagPattern().matcher("v10").matches()).isFalse();
        service.store().put("acme", "", new RetentionPolicy(1, null, null, null), "admin", clock.instant());
        service.store().put("acme", REPO, new RetentionPolicy(5, null, null, null), "admin", clock.instant());
        assertThat(service.store().effective("acme", REPO).orElseThrow().keepLast()).isEqualTo(5);
        assertThat(service.store().effective("acme", "acme/other").orElseThrow().keepLast()).isEqualTo(1);
    }

    long audited(String action) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE action = :a")
                .bind("a", action).mapTo(Long.class).one());
    }

    @Test
    void aRunOfMoreCandidatesThanOneBatchDeletesEachOnceAndAuditsEach() {
        List<Digest> pushed = new java.util.ArrayList<>();
        byte[] content = "{\"two-tags\":1}".getBytes(UTF_8); // one candidate with two tags
        pushed.add(Digest.sha256(content));
        meta.putTaggedManifest(REPO, new ManifestWrite(pushed.get(0), MANIFEST, null, content, List.of(), List.of(),
                null, null, 100), List.of("t0", "t0-extra"), clock.instant());
        for (int i = 1; i < 8; i++) pushed.add(image("t" + i, null));
        clock.advance(Duration.ofDays(1));
        service.store().put("acme", REPO, new RetentionPolicy(1, null, null, null), "admin", clock.instant());
        RetentionPlan plan = service.preview("acme", REPO).get(0);
        assertThat(plan.candidates()).hasSize(7); // batches of 3: 3, 3, 1
        Digest pulledMeanwhile = pushed.get(3); // in the second batch
        clock.advance(Duration.ofSeconds(1));
        meta.recordPull(REPO, pulledMeanwhile, clock.instant());

        RetentionService.Outcome outcome = service.execute(plan, 3);

        assertThat(outcome.imagesDeleted()).isEqualTo(6);
        assertThat(outcome.tagsDeleted()).isEqualTo(7);
        assertThat(outcome.imagesKeptAfterChange()).isEqualTo(1);
        assertThat(meta.getManifest(REPO, pulledMeanwhile)).isPresent();
        assertThat(meta.getManifest(REPO, pushed.get(7))).isPresent();
        for (Digest d : pushed.subList(0, 7)) {
            if (!d.equals(pulledMeanwhile)) assertThat(meta.getManifest(REPO, d)).as(d.toString()).isEmpty();
        }
        assertThat(audited("repo.manifest.delete")).isEqualTo(6);
        assertThat(audited("repo.tag.delete")).isEqualTo(7);
    }

    @Test
    void aBatchThatFailsIsRolledBackWholeAndDoneAgainOneByOne() {
        List<Digest> pushed = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) pushed.add(image("t" + i, null));
        clock.advance(Duration.ofDays(1));
        service.store().put("acme", REPO, new RetentionPolicy(1, null, null, null), "admin", clock.instant());
        RetentionPlan plan = service.preview("acme", REPO).get(0);
        assertThat(plan.candidates()).hasSize(4);
        // The store fails once on the batch's last deletion, after the others of the batch went through.
        String last = plan.candidates().stream().map(RetentionPlan.Candidate::digest).sorted().toList().get(3);
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        dev.wharf.storage.meta.MetadataStore failingOnce = (dev.wharf.storage.meta.MetadataStore)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {dev.wharf.storage.meta.MetadataStore.class}, (proxy, method, args) -> {
                            if (method.getName().equals("deleteImage") && args[1].toString().equals(last)
                                    && failed.compareAndSet(false, true)) {
                                throw new IllegalStateException("deadlock detected (simulated)");
                            }
                            try {
                                return method.invoke(meta, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
        RetentionService failing = new RetentionService(new RetentionStore(database), failingOnce, jobs,
                new ObjectMapper(), clock);

        RetentionService.Outcome outcome = failing.execute(plan, 4);

        assertThat(failed).isTrue();
        assertThat(outcome.imagesDeleted()).isEqualTo(4);
        assertThat(outcome.imagesKeptAfterChange()).isZero();
        assertThat(audited("repo.manifest.delete")).as("the rolled-back attempt left no audit rows").isEqualTo(4);
        assertThat(audited("repo.tag.delete")).isEqualTo(4);
        assertThat(service.preview("acme", REPO).get(0).candidates()).isEmpty();
    }

    /**
     * A manifest delete checks the tags foreign key through tags_manifest on every pooled connection (V21's
     * statistics), not by walking all of the repository's tags: that walk made a run cost O(tags) per image.
     */
    @Test
    void aManifestDeleteLooksItsTagsUpByDigestOnEveryConnection() throws Exception {
        List<org.jdbi.v3.core.Handle> handles = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) handles.add(database.jdbi().open());
            for (org.jdbi.v3.core.Handle h : handles) {
                String plan = String.join("\n", h.createQuery("EXPLAIN QUERY PLAN DELETE FROM manifests WHERE id = 1")
                        .map((rs, ctx) -> rs.getString(4)).list());
                assertThat(plan).containsPattern("tags USING (COVERING )?INDEX tags_manifest")
                        .doesNotContain("tags USING PRIMARY KEY");
            }
        } finally {
            for (org.jdbi.v3.core.Handle h : handles) h.close();
        }
    }
}
