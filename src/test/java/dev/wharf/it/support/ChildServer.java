package dev.wharf.it.support;

import java.nio.file.Path;

/**
 * What Wharf and Distribution as child processes have in common: a loopback port, a log under target/it-logs, and
 * stop, kill and restart of the process; each subclass says how it starts and when it is ready ({@link #launch}).
 */
abstract class ChildServer implements RegistryServer {
    protected final int port;
    protected final Path log;
    protected Process process;

    protected ChildServer(String name, int port) {
        this.port = port;
        this.log = ChildProcess.logDir().resolve(name + "-" + port + ".log");
    }

    /** Starts the process (into {@link #process}) and returns once it is ready. */
    protected abstract void launch();

    @Override
    public final String host() {
        return "127.0.0.1:" + port;
    }

    /** The loopback port it listens on (for a proxy put in front of it). */
    public final int port() {
        return port;
    }

    @Override
    public final void stop() {
        ChildProcess.terminate(process, log);
    }

    @Override
    public final void kill9() {
        ChildProcess.kill(process);
    }

    @Override
    public final void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("still running: stop() or kill9() first");
        }
        launch();
    }

    @Override
    public final Path logFile() {
        return log;
    }

    @Override
    public final void close() {
        if (process != null) {
            stop();
        }
    }
}
