package dev.wharf.webhooks;

import dev.wharf.upstream.OutboundDeniedException;
import java.io.IOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.Map;

/** How a delivery reaches its receiver; {@link HttpWebhookTransport} in production, checked by the outbound policy. */
public interface WebhookTransport {
    /**
     * The receiver's status, the first bytes of its answer (at most a few KiB are read), and the wait it asked for
     * with {@code Retry-After} on a 429 or 503 (null when it did not).
     */
    record Response(int status, byte[] bodyStart, Duration retryAfter) {
        public Response(int status, byte[] bodyStart) {
            this(status, bodyStart, null);
        }
    }

    Response post(URI url, Map<String, String> headers, byte[] body, Duration timeout) throws IOException;

    /** A failure in words, never the peer's bytes (they could be anything an internal service says). */
    static String describe(IOException e) {
        if (e instanceof HttpWebhookTransport.Failed failed) return failed.getMessage();
        if (e instanceof OutboundDeniedException denied) return denied.getMessage();
        if (e instanceof UnknownHostException) return "unknown host";
        if (e instanceof HttpConnectTimeoutException) return "connection timed out";
        if (e instanceof javax.net.ssl.SSLException) return "TLS handshake failed";
        return "connection failed (" + e.getClass().getSimpleName() + ")";
    }
}
