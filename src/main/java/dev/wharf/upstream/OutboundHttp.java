package dev.wharf.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The one HTTP client for outbound requests, checked by an {@link OutboundPolicy}: every connection goes through
 * a resolver that looks the host up once, drops the addresses the policy refuses and hands the rest to the
 * connector, so the address checked is the address connected to (no second lookup that DNS rebinding could
 * answer differently). Redirects are followed here, each hop through the same resolver, and an
 * {@code Authorization} header is only ever sent to the origin (scheme, host, port) of the first request.
 *
 * <p>Failures become {@link UpstreamException}s whose messages Wharf wrote itself ("connection refused", "not
 * an HTTP server", "address not allowed by outbound policy"): nothing a peer sent is ever echoed, since a job's
 * error is shown to users and the peer may be a service they should not see into.
 *
 * <p>One instance per server (it owns a connection pool and threads); {@link #close} stops it.
 */
public final class OutboundHttp implements AutoCloseable {
    public static final int MAX_REDIRECTS = 5;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final int RESPONSE_BUFFER = 64 * 1024;
    private static volatile OutboundHttp defaults;

    private final OutboundPolicy policy;
    /** CA certificates trusted besides the JDK's own (outbound.ca_file). */
    private final List<X509Certificate> trustedCas;
    private final Object lifecycle = new Object();
    private volatile HttpClient client;
    private boolean closed;

    private OutboundHttp(OutboundPolicy policy, List<X509Certificate> trustedCas) {
        this.policy = policy;
        this.trustedCas = List.copyOf(trustedCas);
    }

    /**
     * The client, built and started on first use (its threads and TLS context cost a few hundred ms of a cold
     * JVM's time); a server calls {@link #startInBackground} once it listens, so that neither its start-up nor its
     * first import waits for this.
     */
    private HttpClient client() {
        HttpClient ready = client;
        if (ready != null) return ready;
        synchronized (lifecycle) {
            if (closed) throw new IllegalStateException("the outbound HTTP client is closed");
            if (client == null) client = started(policy, trustedCas);
            return client;
        }
    }

    private static HttpClient started(OutboundPolicy policy, List<X509Certificate> trustedCas) {
        QueuedThreadPool threads = new QueuedThreadPool(64, 2);
        threads.setName("wharf-outbound");
        threads.setDaemon(true);
        HttpClient http = trustedCas.isEmpty() ? new HttpClient() : new HttpClient(trusting(trustedCas));
        http.setExecutor(threads);
        http.setFollowRedirects(false); // followed in get(), to check each hop and drop credentials
        http.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
        http.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        // Each read of the socket fills one buffer of this size: 64 KiB (the largest the default pool keeps) means
        // a quarter of the reads, parses and hand-overs of Jetty's 16 KiB for a large blob.
        http.setResponseBufferSize(RESPONSE_BUFFER);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "wharf"));
        http.setSocketAddressResolver(new CheckedResolver(policy, threads));
        // One client serves every user's imports: a cookie one upstream set must not ride along on another's.
        http.setHttpCookieStore(new org.eclipse.jetty.http.HttpCookieStore.Empty());
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the outbound HTTP client", e);
        }
        // Blobs are verified byte for byte: never let the client inflate them.
        http.getContentDecoderFactories().clear();
        return http;
    }

    /** HTTP/1.1 whose TLS trusts {@code trustedCas} besides the JDK's CAs (HttpClient's default transport else). */
    private static HttpClientTransportOverHTTP trusting(List<X509Certificate> trustedCas) {
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setTrustStore(TrustedCas.withSystemCas(trustedCas));
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        return new HttpClientTransportOverHTTP(connector);
    }

    /** Starts the client on another thread now, instead of on the first request. */
    public void startInBackground() {
        Thread.ofVirtual().name("wharf-outbound-start").start(() -> {
            try {
                client();
            } catch (IllegalStateException e) {
                // Closed meanwhile, or it cannot start: the first request reports that.
            }
        });
    }

    public static OutboundHttp create(OutboundPolicy policy) {
        return new OutboundHttp(policy, List.of());
    }

    /** @param trustedCas CA certificates trusted for HTTPS besides the JDK's own (outbound.ca_file) */
    public static OutboundHttp create(OutboundPolicy policy, List<X509Certificate> trustedCas) {
        return new OutboundHttp(policy, trustedCas);
    }

    /**
     * A shared client with {@link OutboundPolicy#defaults()}, for callers not given the server's (configured)
     * one. Prefer passing the server's instance: this one ignores {@code outbound.allow}/{@code outbound.deny}.
     */
    public static OutboundHttp defaults() {
        OutboundHttp d = defaults;
        if (d == null) {
            synchronized (OutboundHttp.class) {
                if (defaults == null) defaults = create(OutboundPolicy.defaults());
                d = defaults;
            }
        }
        return d;
    }

    public OutboundPolicy policy() {
        return policy;
    }

    /** CA certificates trusted besides the JDK's own (outbound.ca_file); empty without. */
    public List<X509Certificate> trustedCas() {
        return trustedCas;
    }

    /**
     * GET {@code uri}, following up to {@link #MAX_REDIRECTS} redirects (http and https only). {@code headers}
     * go to every hop, except {@code Authorization}, which is dropped as soon as a redirect leaves the first
     * request's origin. The caller closes the response (closing its body is enough).
     *
     * @param timeout the whole exchange, body included
     */
    public OutboundResponse get(URI uri, Map<String, String> headers, Duration timeout) {
        return request("GET", uri, headers, timeout);
    }

    /** As {@link #get}, with another method without a body ({@code HEAD}). */
    public OutboundResponse request(String method, URI uri, Map<String, String> headers, Duration timeout) {
        URI current = uri;
        Map<String, String> sent = new LinkedHashMap<>(headers);
        for (int hop = 0; ; hop++) {
            OutboundResponse r = send(method, current, sent, null, timeout);
            if (!isRedirect(r.status()) || r.header("Location").isEmpty()) return r;
            r.close();
            if (hop >= MAX_REDIRECTS) {
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, hostOf(uri)
                        + " redirected more than " + MAX_REDIRECTS + " times");
            }
            URI next;
            try {
                next = current.resolve(r.header("Location").get().strip());
            } catch (IllegalArgumentException e) {
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, hostOf(current)
                        + " redirected to an invalid URL");
            }
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, hostOf(current)
                        + " redirected to a URL that is not http or https");
            }
            if (!sameOrigin(uri, next)) sent.keySet().removeIf(k -> k.equalsIgnoreCase("Authorization"));
            current = next;
        }
    }

    /** One request, no redirect followed. */
    public OutboundResponse once(URI uri, Map<String, String> headers, Duration timeout) {
        return send("GET", uri, headers, null, timeout);
    }

    /**
     * POST {@code body} once; a redirect is answered as it is, never followed (webhook deliveries: a receiver
     * must not be able to forward a signed body elsewhere). The caller closes the response.
     */
    public OutboundResponse post(URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
        return send("POST", uri, headers, body, timeout);
    }

    private OutboundResponse send(String method, URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
        Request request = client().newRequest(uri).method(method).followRedirects(false)
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> headers.forEach(h::put));
        if (body != null) {
            String type = headers.getOrDefault("Content-Type", "application/octet-stream");
            request.body(new org.eclipse.jetty.client.BytesRequestContent(type, body));
        }
        Exchange exchange = new Exchange(request);
        request.onResponseContentSource(exchange::source);
        request.send(exchange::complete);
        try {
            return new OutboundResponse(uri, exchange.answered.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            request.abort(e);
            throw failure(uri, e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            request.abort(e);
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, hostOf(uri) + " did not answer in time");
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "interrupted while calling " + hostOf(uri));
        }
    }

    /**
     * One request's answer as Jetty hands it over: the response with its body as a content source, which the
     * caller's own thread reads (Jetty then reads the socket on that thread, with no hand-over per chunk), or the
     * completed exchange when there is no body to read.
     */
    static final class Exchange {
        final Request request;
        final java.util.concurrent.CompletableFuture<Exchange> answered = new java.util.concurrent.CompletableFuture<>();
        volatile org.eclipse.jetty.client.Response response;
        volatile Content.Source body;

        Exchange(Request request) {
            this.request = request;
        }

        void source(org.eclipse.jetty.client.Response response, Content.Source source) {
            this.response = response;
            this.body = source;
            answered.complete(this);
        }

        void complete(Result result) {
            if (answered.isDone()) return;
            if (result.getResponseFailure() != null || result.getRequestFailure() != null) {
                answered.completeExceptionally(result.getFailure());
            } else {
                response = result.getResponse();
                answered.complete(this); // no content source: the body is empty
            }
        }
    }

    /** A readable message of Wharf's own for a failed exchange: the cause's text may quote the peer. */
    static UpstreamException failure(URI uri, Throwable cause) {
        String host = hostOf(uri);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof OutboundDeniedException) {
                return new UpstreamException(UpstreamException.Reason.DENIED, "cannot connect to " + host
                        + ": address not allowed by outbound policy (outbound.allow / outbound.deny)");
            }
            if (t instanceof UnknownHostException) {
                return new UpstreamException(UpstreamException.Reason.UNREACHABLE, "cannot resolve host " + host);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new UpstreamException(UpstreamException.Reason.UNREACHABLE, "cannot reach " + host
                        + ": connection refused");
            }
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
                return new UpstreamException(UpstreamException.Reason.UNREACHABLE, "cannot reach " + host
                        + ": connection timed out");
            }
            if (t instanceof SSLException) {
                return new UpstreamException(UpstreamException.Reason.PROTOCOL, "TLS with " + host
                        + " failed (not an HTTPS server, or its certificate is not trusted)");
            }
            if (t instanceof EOFException) {
                return new UpstreamException(UpstreamException.Reason.UNREACHABLE, host
                        + " closed the connection without an HTTP answer");
            }
        }
        // Anything else (a bad status line, a malformed header) means the peer does not speak HTTP.
        return new UpstreamException(UpstreamException.Reason.PROTOCOL, host
                + " did not answer with HTTP: not an HTTP registry or web server");
    }

    static String hostOf(URI uri) {
        return uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() > 0) return u.getPort();
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            closed = true;
            if (client == null) return;
            try {
                client.stop();
            } catch (Exception e) {
                // stopping is best effort
            }
        }
    }

    /** Looks a host up once and keeps only the addresses the policy allows. */
    private record CheckedResolver(OutboundPolicy policy, java.util.concurrent.Executor executor)
            implements SocketAddressResolver {
        @Override
        public void resolve(String host, int port, Map<String, Object> context,
                Promise<List<InetSocketAddress>> promise) {
            executor.execute(() -> {
                try {
                    promise.succeeded(policy.resolve(host).stream().map(a -> new InetSocketAddress(a, port)).toList());
                } catch (IOException e) {
                    promise.failed(e);
                } catch (RuntimeException e) {
                    promise.failed(new UnknownHostException(host));
                }
            });
        }
    }
}
