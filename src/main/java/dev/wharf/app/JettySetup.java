package dev.wharf.app;

import dev.wharf.config.WharfConfig;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntSupplier;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Jetty and Javalin as a Wharf node runs them: address, threads, stop timeout, JSON edge errors, request buffers and
 * URI checks, the client address behind a trusted proxy, and with TLS the https connector (and the plain port that
 * answers health checks only). Routes are not set here; {@link WharfServer} registers them.
 */
final class JettySetup {
    /**
     * Bytes Jetty reads from a connection at a time (its default is 8 KiB). A pushed layer arrives as one long
     * request body, and every read of it passes Jetty's parser, the servlet input and the hash: at 8 KiB a
     * 128 MiB layer took ~17,000 reads, at 64 KiB ~2,100 (Distribution reads 32 KiB). The buffers are pooled and
     * held only while a connection has unread bytes, so idle and small-request connections do not keep them.
     */
    static final int REQUEST_BUFFER_BYTES = 64 * 1024;

    private final WharfConfig config;
    /** The HTTPS listener's certificate source, or null for plain HTTP. */
    private final Tls tls;
    private volatile ServerConnector healthConnector;

    JettySetup(WharfConfig config, Tls tls) {
        this.config = config;
        this.tls = tls;
    }

    /**
     * Applies the settings to a Javalin configuration.
     *
     * @param httpsPort the port addr listens on once started, for the plain port's refusal message
     */
    void apply(JavalinConfig c, IntSupplier httpsPort) {
        c.startup.showJavalinBanner = false;
        c.startup.showOldJavalinVersionWarning = false;
        c.concurrency.useVirtualThreads = true;
        c.http.compressionStrategy = CompressionStrategy.NONE;
        if (config.http().trustForwardedFor()) c.contextResolver.ip = JettySetup::forwardedIp;
        c.jetty.host = config.http().host();
        c.jetty.port = config.http().port();
        c.jetty.modifyServer(s -> {
            s.setStopTimeout(Duration.ofSeconds(20).toMillis());
            s.setErrorHandler(new EdgeErrors()); // JSON, not HTML, for requests refused before routing
            // Javalin's default server wraps every request in Jetty's StatisticsHandler, whose counters
            // nothing here reads (metrics are Micrometer's): without it, each chunk of a request body passes
            // one wrapper and one event fewer, and the JIT has less to compile on a fresh node's first push.
            s.setHandler((org.eclipse.jetty.server.Handler) null);
        });
        c.jetty.modifyHttpConfiguration(h -> {
            h.setSendServerVersion(false);
            h.setInputBufferSize(REQUEST_BUFFER_BYTES);
            // No per-connection header cache: Jetty builds a 1,024-row trie on a connection's second request
            // and keeps it while the connection stays open, about 100 KB of heap each (500 keep-alive clients
            // held 50 MB of a 128 MB heap). It caches whole Authorization values, which change with every
            // token, so it saved little; without it a manifest GET costs the same CPU (measured).
            h.setHeaderCacheSize(0);
            // Let paths with invalid UTF-8 reach the API surfaces, whose edge check (RequestText) refuses them
            // with a 400 in that API's own format instead of Jetty's HTML page. Only these two violations,
            // which cannot change how a path splits into segments, are let through; the rest stay refused.
            h.setUriCompliance(UriCompliance.DEFAULT.with("wharf-edge-checks",
                    UriCompliance.Violation.BAD_UTF8_ENCODING, UriCompliance.Violation.TRUNCATED_UTF8_ENCODING,
                    UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        });
        if (tls == null) return;
        // addr speaks TLS (h2 and http/1.1); Javalin's port() is the first connector's.
        c.jetty.addConnector((server, http) -> tls.https().connector(server, http, config.http().host(),
                config.http().port()));
        if (!config.tls().hasHttpPort()) return;
        c.jetty.addConnector((server, http) -> healthConnector = Tls.healthConnector(server, http,
                config.tls().httpHost(), config.tls().httpPort()));
        // The plain port answers health checks only: registry traffic must not leave TLS.
        c.routes.before(ctx -> {
            if (!ctx.req().isSecure() && !Tls.HEALTH_PATHS.contains(ctx.path())) {
                ctx.status(404).json(Map.of("message", "this port serves only "
                        + String.join(", ", Tls.HEALTH_PATHS) + "; use https on port " + httpsPort.getAsInt()));
                ctx.skipRemainingHandlers();
            }
        });
    }

    /** The plain-HTTP health port of tls.http_addr, or -1 without one. */
    int healthPort() {
        ServerConnector connector = healthConnector;
        return connector == null ? -1 : connector.getLocalPort();
    }

    /** The first X-Forwarded-For entry (the original client, as the trusted proxy saw it), else the peer. */
    private static String forwardedIp(Context ctx) {
        String header = ctx.header("X-Forwarded-For");
        if (header != null && !header.isBlank()) return header.split(",")[0].trim();
        return ctx.req().getRemoteAddr();
    }
}
