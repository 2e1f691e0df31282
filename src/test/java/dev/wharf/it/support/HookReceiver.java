package dev.wharf.it.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on loopback that records every request. It can answer at once, hang (hold the request
 * without answering, as a dead backend behind a proxy does), or answer slowly; it can be stopped and started
 * again on the same port, as a receiver that goes down for a while.
 */
public final class HookReceiver implements AutoCloseable {
    public enum Mode { ANSWER, HANG }

    /** One request as received. */
    public record Received(String deliveryId, String event, String signature, byte[] body, Instant at) {}

    private final int port;
    private final List<Received> received = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger maxConcurrentPerDelivery = new AtomicInteger();
    private volatile Mode mode = Mode.ANSWER;
    private volatile Duration delay = Duration.ZERO;
    private HttpServer server;

    public HookReceiver() {
        this.port = FreePort.pick();
    }

    public synchronized HookReceiver start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + port, e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    /** Closes the port: deliveries now get "connection refused". */
    public synchronized void stop() {
        if (server != null) server.stop(0);
        server = null;
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    /** Answer every request only after this long (to widen the window in which two senders could overlap). */
    public void delay(Duration delay) {
        this.delay = delay;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** The most requests carrying one delivery id that were ever being answered at the same moment. */
    public int maxConcurrentPerDelivery() {
        return maxConcurrentPerDelivery.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String id = exchange.getRequestHeaders().getFirst("X-Wharf-Delivery");
        received.add(new Received(id, exchange.getRequestHeaders().getFirst("X-Wharf-Event"),
                exchange.getRequestHeaders().getFirst("X-Wharf-Signature"), body, Instant.now()));
        AtomicInteger n = inFlight.computeIfAbsent(String.valueOf(id), k -> new AtomicInteger());
        maxConcurrentPerDelivery.accumulateAndGet(n.incrementAndGet(), Math::max);
        try {
            if (mode == Mode.HANG) {
                Thread.sleep(Duration.ofMinutes(2));
            } else if (!delay.isZero()) {
                Thread.sleep(delay);
            }
            byte[] answer = "{\"ok\":true}".getBytes();
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            n.decrementAndGet();
            exchange.close();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
