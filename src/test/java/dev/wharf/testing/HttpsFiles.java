package dev.wharf.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.wharf.tls.PemCredentials;
import dev.wharf.tls.SelfSignedCa;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The files under a directory over HTTPS, with a server certificate of a private CA ({@link SelfSignedCa}): for a
 * Git repository served by git's "dumb" HTTP protocol (plain files after {@code git update-server-info}) on a
 * server whose certificate the JDK and the system do not trust.
 */
public final class HttpsFiles implements AutoCloseable {
    private final HttpsServer server;

    /** Serves {@code root}'s files at {@code /<prefix>/…} on a free loopback port. */
    public HttpsFiles(Path root, String prefix, SelfSignedCa.Issued issued) throws Exception {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext(issued)));
        String context = "/" + prefix + "/";
        server.createContext(context, exchange -> {
            try (exchange) {
                Path file = root.resolve(exchange.getRequestURI().getPath().substring(context.length())).normalize();
                if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = Files.readAllBytes(file);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (IOException e) {
                // the client went away
            }
        });
        server.start();
    }

    /** A TLS server context presenting the certificate {@code issued} by its CA. */
    public static SSLContext serverContext(SelfSignedCa.Issued issued) throws Exception {
        PemCredentials credentials = PemCredentials.load(issued.certificate(), issued.key(), "cert", "key",
                Instant.now());
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(credentials.keyStore(), credentials.password());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }

    /** {@code https://127.0.0.1:<port>/<prefix>}. */
    public String url(String prefix) {
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/" + prefix;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
