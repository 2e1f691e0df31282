package dev.wharf.webhooks;

import dev.wharf.upstream.OutboundPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * POSTs with the JDK's HTTP client after the outbound policy has allowed every address the receiver's host
 * resolves to at this moment (delivery time, not hook creation: DNS may have changed since). Redirects are never
 * followed, so a receiver cannot send a delivery on to an address the policy forbids.
 */
public final class HttpWebhookTransport implements WebhookTransport {
    private static final int EXCERPT_BYTES = 4096;

    private final OutboundPolicy policy;
    private final HttpClient client;

    public HttpWebhookTransport(OutboundPolicy policy) {
        this.policy = policy;
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public Response post(URI url, Map<String, String> headers, byte[] body, Duration timeout) throws IOException {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL");
        }
        // Every address must pass, not just one: the client picks among them itself.
        var allowed = policy.resolve(url.getHost());
        var all = java.net.InetAddress.getAllByName(url.getHost());
        if (allowed.size() != all.length) throw new dev.wharf.upstream.OutboundDeniedException(url.getHost());
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                return new Response(response.statusCode(), in.readNBytes(EXCERPT_BYTES));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }
}
