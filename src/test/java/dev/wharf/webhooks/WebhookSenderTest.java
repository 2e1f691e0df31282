package dev.wharf.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.SecretBox;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.jobs.JobState;
import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hook deleted while one of its deliveries is being sent (the deletion takes the delivery with it): the attempt
 * is not recorded and the job ends as a plain permanent failure, not a foreign-key error logged with its trace
 * (WebhooksIT's deleted pipeline showed that race in CI's logs). And a receiver's Retry-After reaches the retry.
 */
class WebhookSenderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JobContext QUIET = new JobContext() {
        @Override
        public void step(String caption, String description) {}

        @Override
        public void progress(long bytesDone, long bytesTotal, int layersDone, int layersTotal) {}

        @Override
        public void output(String key, String value) {}

        @Override
        public void checkCancelled() {}
    };

    @TempDir
    Path dir;
    Database db;
    WebhookStore store;
    SecretBox box;
    Instant now = Instant.now();

    @BeforeEach
    void open() {
        db = Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 2, null);
        store = new WebhookStore(db);
        box = SecretBox.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
        long hook = db.inWriteTransaction(h -> store.insert(h, new Webhook(0, "acme", "app", "deploy", "hook",
                "http://receiver.test/hook", List.of(WebhookEvent.PUSH), "alice", now, now),
                box.seal("hook-secret", WebhookSender.SECRET_CONTEXT)));
        db.inWriteTransaction(h -> h.createUpdate("INSERT INTO webhook_deliveries (id, webhook_id, event, payload,"
                        + " state, created_at, updated_at) VALUES ('d1', :hook, 'push', '{}', 'pending', :now, :now)")
                .bind("hook", hook).bind("now", now.toEpochMilli()).execute());
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aHookDeletedDuringAFailedAttemptEndsTheJobPlainly() {
        WebhookSender sender = sender((url, headers, body, timeout) -> {
            store.deletePipeline("acme", "app", "deploy");
            return new WebhookTransport.Response(503, new byte[0]);
        });
        assertThatThrownBy(() -> sender.run(job(), QUIET)).isInstanceOfSatisfying(JobFailure.class, e -> {
            assertThat(e.isTransient()).isFalse();
            assertThat(e.getMessage()).contains("webhook was deleted");
        });
        assertThat(store.delivery("d1")).isEmpty();
    }

    @Test
    void aHookDeletedDuringASuccessfulAttemptIsNotAFailure() {
        WebhookSender sender = sender((url, headers, body, timeout) -> {
            store.deletePipeline("acme", "app", "deploy");
            return new WebhookTransport.Response(200, new byte[0]);
        });
        sender.run(job(), QUIET);
        assertThat(store.delivery("d1")).isEmpty();
    }

    @Test
    void anAttemptIsRecordedWhileTheHookLives() {
        sender((url, headers, body, timeout) -> new WebhookTransport.Response(200, "ok".getBytes())).run(job(), QUIET);
        assertThat(store.delivery("d1")).hasValueSatisfying(d -> {
            assertThat(d.state()).isEqualTo(Delivery.State.DELIVERED);
            assertThat(d.attempts()).isEqualTo(1);
        });
    }

    @Test
    void aReceiversRetryAfterGoesWithTheFailureSoTheNextAttemptWaitsForIt() {
        WebhookSender sender = sender((url, headers, body, timeout) ->
                new WebhookTransport.Response(429, new byte[0], Duration.ofSeconds(120)));
        assertThatThrownBy(() -> sender.run(job(), QUIET)).isInstanceOfSatisfying(JobFailure.class, e -> {
            assertThat(e.isTransient()).isTrue();
            assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(120));
            assertThat(e.getMessage()).isEqualTo("the receiver answered 429 and asked to be left alone for 120 s");
        });
        assertThat(store.delivery("d1")).hasValueSatisfying(d -> assertThat(d.state()).isEqualTo(Delivery.State.PENDING));

        WebhookSender plain = sender((url, headers, body, timeout) -> new WebhookTransport.Response(503, new byte[0]));
        assertThatThrownBy(() -> plain.run(job(), QUIET)).isInstanceOfSatisfying(JobFailure.class,
                e -> assertThat(e.retryAfter()).isEmpty());
    }

    private WebhookSender sender(WebhookTransport transport) {
        return new WebhookSender(store, box, transport, Clock.systemUTC(), Duration.ofSeconds(5), Duration.ofHours(1));
    }

    private Job job() {
        return new Job("j1", "hub", "webhook.deliver", "deliver", JobState.RUNNING, null,
                JSON.createObjectNode().put("delivery", "d1"), JSON.createObjectNode(), 1, 1000, now, "w1",
                now.plusSeconds(60), false, 0, now, now, now, null);
    }
}
