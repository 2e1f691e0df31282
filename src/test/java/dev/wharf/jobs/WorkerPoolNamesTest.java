package dev.wharf.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A node runs two worker pools (jobs, webhook deliveries) on one database: when it fails them, the log and the
 * thread names say which pool is which.
 */
class WorkerPoolNamesTest {
    @TempDir
    Path dir;

    @Test
    void aPoolsWorkersAreNamedAfterWhatTheyWorkOn() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(WorkerPool.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        Database db = Database.open("jdbc:sqlite:" + dir.resolve("jobs.db"), null, null, 2, null);
        JobStore store = new JobStore(db, new ObjectMapper(), Clock.systemUTC());
        db.close(); // every claim fails from now on
        try (WorkerPool pool = new WorkerPool("webhook", store, List.of(), Clock.systemUTC(), 1,
                Duration.ofSeconds(30), Duration.ofMillis(50), new Backoff(Duration.ofSeconds(1),
                        Duration.ofSeconds(1)))) {
            pool.start();
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).contains("wharf-webhook-0")
                    .doesNotContain("wharf-job-0");
            for (int i = 0; i < 200 && lines.list.isEmpty(); i++) Thread.sleep(25); // the first poll's failure
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line).startsWith("webhook worker node-").contains("-w0 failed: "));
        } finally {
            logger.detachAppender(lines);
        }
    }
}
