package dev.wharf.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The policy-checked client against real sockets on loopback (127.0.0.2 is loopback too, on Linux). */
class OutboundHttpTest {
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger hits = new AtomicInteger();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    private OutboundHttp client(List<String> allow, List<String> deny) {
        OutboundHttp http = OutboundHttp.create(OutboundPolicy.of(allow, deny));
        open.add(http);
        return http;
    }

    /** A server on {@code address} answering 200 "ok", or a redirect to {@code location} when given. */
    private int server(String address, String location) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
        s.createContext("/", ex -> {
            hits.incrementAndGet();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "none" : auth);
            if (location != null) {
                ex.getResponseHeaders().add("Location", location);
                ex.sendResponseHeaders(302, -1);
            } else {
                byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        s.start();
        open.add(() -> s.stop(0));
        return s.getAddress().getPort();
    }

    @Test
    void loopbackIsRefusedByDefaultAndNeverContacted() throws Exception {
        int port = server("127.0.0.1", null);
        OutboundHttp http = client(List.of(), OutboundPolicy.DEFAULT_DENY);
        for (String host : List.of("127.0.0.1", "localhost", "[::ffff:127.0.0.1]")) {
            assertThatThrownBy(() -> http.get(URI.create("http://" + host + ":" + port + "/"), Map.of(),
                    Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(UpstreamException.class, e -> {
                        assertThat(e.reason()).isEqualTo(UpstreamException.Reason.DENIED);
                        assertThat(e.getMessage()).contains("address not allowed by outbound policy");
                    });
        }
        assertThat(hits).hasValue(0);
    }

    @Test
    void anAllowedAddressIsReached() throws Exception {
        int port = server("127.0.0.1", null);
        OutboundHttp http = client(List.of("127.0.0.1/32"), OutboundPolicy.DEFAULT_DENY);
        try (OutboundResponse r = http.get(URI.create("http://localhost:" + port + "/x"), Map.of(),
                Duration.ofSeconds(5))) {
            assertThat(r.status()).isEqualTo(200);
            assertThat(new String(r.readAtMost(100), StandardCharsets.UTF_8)).isEqualTo("ok");
        }
    }

    @Test
    void aRedirectToARefusedAddressIsNotFollowed() throws Exception {
        int inside = server("127.0.0.2", null);
        int outside = server("127.0.0.1", "http://127.0.0.2:" + inside + "/metadata");
        OutboundHttp http = client(List.of("127.0.0.1/32"), OutboundPolicy.DEFAULT_DENY);
        assertThatThrownBy(() -> http.get(URI.create("http://127.0.0.1:" + outside + "/"), Map.of(),
                Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(UpstreamException.class,
                        e -> assertThat(e.reason()).isEqualTo(UpstreamException.Reason.DENIED));
        assertThat(hits).as("only the first server was contacted").hasValue(1);
    }

    @Test
    void credentialsAreDroppedWhenARedirectLeavesTheOrigin() throws Exception {
        int other = server("127.0.0.1", null);
        int first = server("127.0.0.1", "http://127.0.0.1:" + other + "/blob");
        OutboundHttp http = client(List.of("127.0.0.0/8"), OutboundPolicy.DEFAULT_DENY);
        try (OutboundResponse r = http.get(URI.create("http://127.0.0.1:" + first + "/"),
                Map.of("Authorization", "Basic c2VjcmV0"), Duration.ofSeconds(5))) {
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(authorizations).containsExactly("Basic c2VjcmV0", "none");
    }

    @Test
    void aPeerThatDoesNotSpeakHttpIsDescribedNotEchoed() throws Exception {
        ServerSocket banner = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        open.add(banner);
        Thread.ofVirtual().start(() -> {
            while (!banner.isClosed()) {
                try (Socket s = banner.accept(); OutputStream out = s.getOutputStream()) {
                    s.getInputStream().read(new byte[1024]);
                    out.write("+OK internal-banner user=svc password=hunter2\r\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (Exception e) {
                    return;
                }
            }
        });
        OutboundHttp http = client(List.of("127.0.0.0/8"), OutboundPolicy.DEFAULT_DENY);
        assertThatThrownBy(() -> http.get(URI.create("http://127.0.0.1:" + banner.getLocalPort() + "/v2/"), Map.of(),
                Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.getMessage()).doesNotContain("hunter2").doesNotContain("banner")
                            .contains("not an HTTP");
                    assertThat(e.isTransient()).isFalse();
                });
    }

    @Test
    void aClosedPortIsConnectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        OutboundHttp http = client(List.of("127.0.0.0/8"), OutboundPolicy.DEFAULT_DENY);
        assertThatThrownBy(() -> http.get(URI.create("http://127.0.0.1:" + port + "/"), Map.of(),
                Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(UpstreamException.class,
                        e -> assertThat(e.getMessage()).contains("connection refused"));
    }
    @Test
    void aBodyThatTricklesInArrivesWholeInFewerLargerPieces() throws Exception {
        // A peer sending 1 KiB every 0.2 ms, as an upstream across a network does in small pieces: the body is
        // read whole, and gathered in the socket for a moment whenever none is there, instead of one hand-over
        // (and a pause) per piece.
        int pieces = 400;
        byte[] body = new byte[pieces * 1024];
        new java.util.Random(5).nextBytes(body);
        ServerSocket peer = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        open.add(peer);
        Thread.ofPlatform().daemon().start(() -> {
            try (Socket s = peer.accept(); OutputStream out = s.getOutputStream()) {
                s.setTcpNoDelay(true);
                java.io.InputStream in = s.getInputStream();
                for (int matched = 0; matched < 4; ) { // the request's headers end with CRLF CRLF
                    int c = in.read();
                    if (c < 0) return;
                    matched = (c == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (c == '\r' ? 1 : 0);
                }
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < pieces; i++) {
                    out.write(body, i * 1024, 1024);
                    out.flush();
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
            } catch (Exception e) {
                // the test's assertions say what went wrong
            }
        });
        OutboundHttp http = client(List.of("127.0.0.0/8"), OutboundPolicy.DEFAULT_DENY);
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        AtomicInteger accepts = new AtomicInteger();
        AtomicInteger pauses = new AtomicInteger();
        try (OutboundResponse r = http.get(URI.create("http://127.0.0.1:" + peer.getLocalPort() + "/blob"), Map.of(),
                Duration.ofSeconds(30))) {
            r.readBody(new OutboundResponse.BodySink() {
                @Override
                public void accept(java.nio.ByteBuffer bytes) {
                    accepts.incrementAndGet();
                    byte[] b = new byte[bytes.remaining()];
                    bytes.get(b);
                    received.writeBytes(b);
                }

                @Override
                public void pause() {
                    pauses.incrementAndGet();
                }
            });
        }
        assertThat(received.toByteArray()).isEqualTo(body);
        // Each wait gathers ~5 pieces at least; one hand-over per piece would be ~400.
        assertThat(accepts.get()).as("hand-overs of %d pieces", pieces).isLessThan(pieces / 2);
        assertThat(pauses.get()).as("pauses").isLessThan(pieces / 4);
    }
}
