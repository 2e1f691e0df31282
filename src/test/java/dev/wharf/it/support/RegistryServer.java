package dev.wharf.it.support;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A registry running as a child process. Wharf and CNCF Distribution both implement it, so the
 * same test can run against the reference implementation to check the test itself.
 */
public interface RegistryServer extends AutoCloseable {
    /** {@code 127.0.0.1:<port>}, the registry part of image references. */
    String host();

    /** Graceful stop (SIGTERM) and wait for exit. */
    void stop();

    /** SIGKILL: no shutdown hooks, no flushing, as in a crash or OOM kill. */
    void kill9();

    /** Starts again on the same port and data directory after {@link #stop()} or {@link #kill9()}. */
    void restart();

    Path logFile();

    /**
     * The administrator's credentials when the registry requires them (Wharf's token auth); empty for an open
     * registry. Clients in the ITs use them so every request goes through the registry's real auth flow.
     */
    default Optional<Credentials> credentials() {
        return Optional.empty();
    }

    @Override
    void close();
}
