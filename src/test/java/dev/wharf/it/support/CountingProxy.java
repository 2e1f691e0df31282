package dev.wharf.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loopback HTTP/1.1 proxy in front of a registry that counts {@code GET} request targets and slows answers to
 * about {@code bytesPerSecond}, so a test can see which blobs a client fetched (and how often) and catch an
 * import in the middle of a large layer. Requests are read off the raw stream: a registry client's GETs carry
 * no body, so every request line starts a new request.
 */
public final class CountingProxy implements AutoCloseable {
    private static final Pattern GET = Pattern.compile("GET (\\S+) HTTP/1\\.[01]\r\n");

    private final ServerSocket listener;
    private final int targetPort;
    private final long bytesPerSecond;
    private final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean closed;

    public CountingProxy(int targetPort, long bytesPerSecond) {
        this.targetPort = targetPort;
        this.bytesPerSecond = bytesPerSecond;
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

    /** How many GETs asked for exactly this path (e.g. {@code /v2/team/app/blobs/sha256:…}). */
    public int gets(String path) {
        AtomicInteger n = gets.get(path);
        return n == null ? 0 : n.get();
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
                Thread.ofVirtual().start(() -> requests(client, server));
                Thread.ofVirtual().start(() -> answers(server, client));
            } catch (IOException e) {
                // Listener closed, or the registry is gone: drop this client.
            }
        }
    }

    private void requests(Socket from, Socket to) {
        StringBuilder pending = new StringBuilder();
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                pending.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                Matcher m = GET.matcher(pending);
                int end = 0;
                while (m.find()) {
                    gets.computeIfAbsent(m.group(1), k -> new AtomicInteger()).incrementAndGet();
                    end = m.end();
                }
                // Keep a tail in case a request line is split across reads.
                pending.delete(0, Math.max(end, pending.length() - 4096));
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // Either side went away (e.g. Wharf was killed).
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void answers(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        long start = System.nanoTime();
        long sent = 0;
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                out.flush();
                sent += n;
                long aheadMillis = sent * 1000 / bytesPerSecond - (System.nanoTime() - start) / 1_000_000;
                if (aheadMillis > 0) Thread.sleep(aheadMillis);
            }
        } catch (IOException e) {
            // Either side went away.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
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
            sockets.forEach(CountingProxy::closeQuietly);
        }
    }
}
