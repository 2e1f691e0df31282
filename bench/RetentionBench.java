import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.jobs.JobStore;
import dev.wharf.model.Digest;
import dev.wharf.retention.RetentionPlan;
import dev.wharf.retention.RetentionPolicy;
import dev.wharf.retention.RetentionService;
import dev.wharf.retention.RetentionStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A retention run over one repository with N tagged images (default 100,000, one tag each, SQLite): the preview's
 * time, then the run's (every candidate deleted in its own guarded transaction, audited), with keep_last 1,000 and
 * keep_tags "release-*" (every 100th image).
 *
 * <p>java -cp target/classes:$(deps) bench/RetentionBench.java [N]
 */
public class RetentionBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path dir = Files.createTempDirectory("retention-bench");
        Database db = Database.open("jdbc:sqlite:" + dir.resolve("wharf.db"), null, null, 4, null);
        SqlMetadataStore meta = new SqlMetadataStore(db);
        Clock clock = Clock.systemUTC();
        ObjectMapper json = new ObjectMapper();
        RetentionService service = new RetentionService(new RetentionStore(db), meta, new JobStore(db, json, clock),
                json, clock);
        long t0 = System.nanoTime();
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < n; i++) {
            byte[] content = ("{\"bench\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            String tag = (i % 100 == 0 ? "release-" : "build-") + i;
            meta.putManifest("bench/app", new ManifestWrite(Digest.sha256(content),
                    "application/vnd.oci.image.manifest.v1+json", null, content, List.of(), List.of(), null, null,
                    content.length), tag, at.plusSeconds(i));
        }
        System.out.printf("pushed %d tagged images in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        service.store().put("bench", "", new RetentionPolicy(1000, null, "release-*", null), "bench", clock.instant());

        long p0 = System.nanoTime();
        List<RetentionPlan> preview = service.preview("bench", "");
        double previewS = (System.nanoTime() - p0) / 1e9;
        int candidates = preview.get(0).candidates().size();
        System.out.printf("preview: %d candidates of %d images in %.2f s%n", candidates, preview.get(0).images(),
                previewS);

        Method execute = RetentionService.class.getDeclaredMethod("execute", RetentionPlan.class);
        execute.setAccessible(true);
        long r0 = System.nanoTime();
        RetentionService.Outcome outcome = (RetentionService.Outcome) execute.invoke(service, preview.get(0));
        double runS = (System.nanoTime() - r0) / 1e9;
        System.out.printf("run: %d images and %d tags deleted (%d kept after a change) in %.1f s (%.2f ms each)%n",
                outcome.imagesDeleted(), outcome.tagsDeleted(), outcome.imagesKeptAfterChange(), runS,
                runS * 1000 / Math.max(1, outcome.imagesDeleted()));
        long left = service.preview("bench", "").get(0).images();
        System.out.printf("images left: %d (expected %d)%n", left, n - candidates);
        meta.close();
    }
}
