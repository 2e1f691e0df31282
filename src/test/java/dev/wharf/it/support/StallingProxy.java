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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loopback TCP proxy that forwards at most {@code cap} client-to-server bytes (over all connections)
 * and then holds the rest. A push through it is reliably stuck mid-upload, so a test can crash the
 * server "during the push" without depending on timing.
 */
public final class StallingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final long cap;
    private final AtomicLong forwarded = new AtomicLong();
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean closed;

    public StallingProxy(int targetPort, long cap) {
        this.targetPort = targetPort;
        this.cap = cap;
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

    /** Waits until the cap is reached, i.e. the upload is stuck in the server's hands. */
    public boolean awaitStalled(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (forwarded.get() < cap && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return forwarded.get() >= cap;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(server);
                }
                Thread.ofVirtual().start(() -> pump(client, server, true));
                Thread.ofVirtual().start(() -> pump(server, client, false));
            } catch (IOException e) {
                // Listener closed, or the server is gone (connection refused): drop this client.
            }
        }
    }

    private void pump(Socket from, Socket to, boolean upstream) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                int allowed = upstream ? reserve(n) : n;
                out.write(buffer, 0, allowed);
                out.flush();
                if (allowed < n) {
                    holdUntilClosed(from, to);
                    return;
                }
            }
        } catch (IOException e) {
            // Either side went away (e.g. the server was killed); close both below.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private int reserve(int wanted) {
        while (true) {
            long before = forwarded.get();
            int granted = (int) Math.max(0, Math.min(wanted, cap - before));
            if (forwarded.compareAndSet(before, before + granted)) {
                return granted;
            }
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

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // Nothing to release.
        }
        synchronized (sockets) {
            sockets.forEach(StallingProxy::closeQuietly);
        }
    }
}
