package dev.wharf.app;

import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request: client address, method, path, status and time taken. With Wharf's own logging set-up the
 * lines go to standard output through {@link BatchedAccessLog} (written in batches, never waiting on the console);
 * with an operator's Logback file they go to the {@code wharf.access} logger, to be routed as that file says.
 */
interface AccessLog extends AutoCloseable {
    void request(String ip, String method, String path, int status, long tenthsOfMillis);

    @Override
    void close();

    static AccessLog open(PrintStream stdout) {
        return LogSetup.defaultsInUse() ? new BatchedAccessLog(stdout, BatchedAccessLog.FLUSH_MILLIS,
                BatchedAccessLog.MAX_PENDING_CHARS) : new ToLogger();
    }

    /** The {@code wharf.access} logger, for an operator's Logback configuration. */
    final class ToLogger implements AccessLog {
        private static final Logger ACCESS = LoggerFactory.getLogger("wharf.access");

        @Override
        public void request(String ip, String method, String path, int status, long tenthsOfMillis) {
            ACCESS.info("{} {} {} {} {}.{}ms", ip, method, path, status, tenthsOfMillis / 10, tenthsOfMillis % 10);
        }

        @Override
        public void close() {}
    }
}
