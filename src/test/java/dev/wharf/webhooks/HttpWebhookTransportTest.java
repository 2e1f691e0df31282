package dev.wharf.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.wharf.upstream.OutboundHttp;
import dev.wharf.upstream.OutboundPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a real receiver's answer gives the sender: its status, and Retry-After only where HTTP gives it meaning. */
class HttpWebhookTransportTest {
    private HttpServer receiver;
    private OutboundHttp http;
    private volatile int status;
    private volatile String retryAfter;

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                if (retryAfter != null) ex.getResponseHeaders().add("Retry-After", retryAfter);
                ex.sendResponseHeaders(status, -1);
            }
        });
        receiver.start();
        http = OutboundHttp.create(OutboundPolicy.of(List.of("127.0.0.1/32"), List.of()));
    }

    @AfterEach
    void stop() throws Exception {
        receiver.stop(0);
        http.close();
    }

    @Test
    void retryAfterIsReadFromA429OrA503() throws Exception {
        status = 429;
        retryAfter = "120";
        assertThat(post().retryAfter()).isEqualTo(Duration.ofSeconds(120));
        status = 503;
        assertThat(post().retryAfter()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void retryAfterIsIgnoredOnOtherStatusesAndWhenUnreadable() throws Exception {
        status = 500;
        retryAfter = "120";
        assertThat(post().retryAfter()).isNull();
        status = 429;
        retryAfter = "in a while";
        assertThat(post().retryAfter()).isNull();
        retryAfter = null;
        assertThat(post().status()).isEqualTo(429);
        assertThat(post().retryAfter()).isNull();
    }

    private WebhookTransport.Response post() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        return new HttpWebhookTransport(http).post(url, Map.of("Content-Type", "application/json"), "{}".getBytes(),
                Duration.ofSeconds(5));
    }
}
