package dev.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoopFailuresTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger("loop-failures-test");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final LoopFailures loop = new LoopFailures(logger, "the test poll");

    LoopFailuresTest() {
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.INFO);
    }

    @Test
    void anOutageOfManyRoundsIsOneWarningAndOneRecovery() {
        for (int i = 0; i < 30; i++) {
            loop.failed(new IllegalStateException(new SQLTransientConnectionException("pool timed out")));
        }
        loop.succeeded();
        loop.succeeded();
        List<String> logged = lines.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        assertThat(logged).hasSize(2);
        assertThat(logged.get(0)).isEqualTo("WARN the test poll failed: the metadata database is unreachable (no "
                + "connection within the pool's timeout)"); // no advice about a request: there is none
        assertThat(logged.get(1)).startsWith("INFO the test poll works again after 30 failed rounds");
    }

    @Test
    void anUnknownFailureIsNamedByItsException() {
        loop.failed(new IllegalArgumentException("bad row"));
        assertThat(lines.list).singleElement().satisfies(e ->
                assertThat(e.getFormattedMessage()).isEqualTo("the test poll failed: java.lang.IllegalArgumentException: bad row"));
    }

    /** A node's shutdown interrupts its chores mid-round: that is the loop stopping, not a failure to warn about. */
    @Test
    void aRoundBrokenOffByAnInterruptIsNeitherWarnedNorCounted() {
        // A library that cleared the flag and kept the interruption as a cause (the S3 client's AbortedException).
        loop.failed(new IllegalStateException("aborted", new InterruptedException("sleep interrupted")));
        loop.failed(new RuntimeException(new java.nio.channels.ClosedByInterruptException()));
        Thread.currentThread().interrupt(); // the flag still set, whatever the exception says
        try {
            loop.failed(new IllegalStateException(new SQLTransientConnectionException("pool timed out")));
        } finally {
            Thread.interrupted();
        }
        assertThat(lines.list).isEmpty();

        loop.failed(new IllegalArgumentException("bad row")); // a real failure afterwards is the first one
        loop.succeeded();
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "the test poll failed: java.lang.IllegalArgumentException: bad row",
                "the test poll works again after 1 failed rounds in 0 s");
    }

    @Test
    void successWithoutFailureSaysNothing() {
        loop.succeeded();
        assertThat(lines.list).isEmpty();
    }
}
