package dev.wharf.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback TCP proxy in front of a server on {@code targetPort}: every connection gets one pump per direction,
 * and a {@link Behaviour}, made afresh for each connection, decides what each chunk does on its way (counted,
 * slowed, cut short); state shared by all connections lives in the code that makes them. The tests' proxies are
 * behaviours of this one: {@link CountingProxy} and {@link StallingProxy}.
 */
public final class LoopbackProxy implements AutoCloseable {
    /** Which way a chunk travels: from the client to the server, or back. */
    public enum Direction { TO_SERVER, TO_CLIENT }

    /** What happens to each chunk read from one side before it is written to the other. */
    public interface Behaviour {
        /**
         * How many of the {@code n} bytes to forward now; fewer than {@code n} stops the pump and leaves the
         * connection open but silent until a side closes (a stuck upload). May sleep to slow the stream.
         */
        int forward(Direction direction, byte[] chunk, int n) throws InterruptedException;
    }

    private final ServerSocket listener;
    private final int targetPort;
    private final java.util.function.Supplier<Behaviour> behaviours;
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean closed;
    /** While set, the link is down: new connections are closed at once, as if the server had gone away. */
    private volatile boolean cut;

    public LoopbackProxy(int targetPort, java.util.function.Supplier<Behaviour> behaviours) {
        this.targetPort = targetPort;
        this.behaviours = behaviours;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().start(this::acceptLoop);
    }

    public String host() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                if (cut) {
                    closeQuietly(client);
                    continue;
                }
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(server);
                }
                Behaviour behaviour = behaviours.get();
                Thread.ofVirtual().start(() -> pump(client, server, Direction.TO_SERVER, behaviour));
                Thread.ofVirtual().start(() -> pump(server, client, Direction.TO_CLIENT, behaviour));
            } catch (IOException e) {
                // Listener closed, or the server is gone (connection refused): drop this client.
            }
        }
    }

    private void pump(Socket from, Socket to, Direction direction, Behaviour behaviour) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                int allowed = behaviour.forward(direction, buffer, n);
                out.write(buffer, 0, allowed);
                out.flush();
                if (allowed < n) {
                    holdUntilClosed(from, to);
                    return;
                }
            }
        } catch (IOException e) {
            // Either side went away (e.g. the server was killed); close both below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Keeps the connection open but silent; ends when either socket closes (server killed) or the proxy does. */
    private void holdUntilClosed(Socket from, Socket to) {
        while (!closed && !from.isClosed() && !to.isClosed()) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Already closed.
        }
    }

    /** Takes the link down: open connections are closed and new ones refused until {@link #restore}. */
    public void cut() {
        cut = true;
        synchronized (sockets) {
            sockets.forEach(LoopbackProxy::closeQuietly);
            sockets.clear();
        }
    }

    /** Brings the link back up for new connections. */
    public void restore() {
        cut = false;
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // Nothing to release.
        }
        synchronized (sockets) {
            sockets.forEach(LoopbackProxy::closeQuietly);
        }
    }
}
