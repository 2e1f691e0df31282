package dev.wharf.webhooks;

import dev.wharf.upstream.OutboundHttp;
import dev.wharf.upstream.OutboundResponse;
import dev.wharf.upstream.RetryAfter;
import dev.wharf.upstream.UpstreamException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * POSTs through the server's {@link OutboundHttp}: its resolver looks the receiver's host up at delivery time
 * (not only when the hook was created: DNS may have changed since) and connects only to addresses the outbound
 * policy allows, the very addresses it checked. Redirects are never followed, so a receiver cannot send a
 * delivery on to an address the policy forbids.
 */
public final class HttpWebhookTransport implements WebhookTransport {
    private static final int EXCERPT_BYTES = 4096;

    private final OutboundHttp http;

    public HttpWebhookTransport(OutboundHttp http) {
        this.http = http;
    }

    @Override
    public Response post(URI url, Map<String, String> headers, byte[] body, Duration timeout) throws IOException {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL");
        }
        try (OutboundResponse response = http.post(url, headers, body, timeout)) {
            return new Response(response.status(), response.readAtMost(EXCERPT_BYTES),
                    RetryAfter.of(response).orElse(null));
        } catch (UpstreamException e) {
            // Its message is Wharf's own ("connection refused", "address not allowed by outbound policy", ...).
            throw new Failed(e.getMessage());
        }
    }

    /** A failed exchange, described in Wharf's words. */
    static final class Failed extends IOException {
        Failed(String message) {
            super(message);
        }
    }
}
