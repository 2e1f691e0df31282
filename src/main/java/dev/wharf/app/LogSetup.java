package dev.wharf.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The server's logging, set up in code (found by Logback through {@code META-INF/services}) rather than from an
 * XML file: parsing logback.xml cost a cold JVM a tenth of its start-up. Lines go to standard output. Access-log
 * lines do not pass through Logback with this set-up: {@link BatchedAccessLog} writes them in batches, so a busy
 * registry never waits on the console. {@code log.level} is applied later by
 * {@link Logging}. An operator's own file still wins: with {@code -Dlogback.configurationFile=...} (or a
 * {@code logback-test.xml} on the class path, as in the tests) Logback reads that instead.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%logger{0}] %msg%n";
    private static volatile boolean defaultsInUse;

    /** Whether Logback runs with this set-up (rather than an operator's or the tests' own file). */
    static boolean defaultsInUse() {
        org.slf4j.LoggerFactory.getILoggerFactory(); // Logback configures itself on first use
        return defaultsInUse;
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();

        for (String chatty : new String[] {"org.eclipse.jetty", "io.javalin", "com.zaxxer.hikari", "org.flywaydb"}) {
            context.getLogger(chatty).setLevel(Level.WARN);
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stdout);
        defaultsInUse = true;
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
