package dev.wharf.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** Sends one request and turns network failures into {@link UpstreamException}s that name the host. */
final class Http {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Http() {}

    static HttpResponse<InputStream> send(HttpClient client, HttpRequest request) {
        String host = request.uri().getHost() + (request.uri().getPort() > 0 ? ":" + request.uri().getPort() : "");
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException e) {
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "cannot reach " + host
                    + ": connection refused");
        } catch (HttpConnectTimeoutException e) {
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "cannot reach " + host
                    + ": connection timed out");
        } catch (HttpTimeoutException e) {
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, host + " did not answer in time");
        } catch (IOException e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            if (root instanceof UnknownHostException) {
                throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "cannot resolve host " + host);
            }
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "cannot talk to " + host + ": "
                    + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "interrupted while calling " + host);
        }
    }

    static HttpRequest.Builder get(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
    }

    static String drain(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            byte[] b = in.readNBytes(2048);
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The registry's answer for a status that is not success, as an exception with a readable message. */
    static UpstreamException failure(HttpResponse<InputStream> r, String what) {
        drain(r);
        int s = r.statusCode();
        if (s == 401 || s == 403) {
            return new UpstreamException(UpstreamException.Reason.UNAUTHORIZED, "the registry refused access to "
                    + what + " (HTTP " + s + "): wrong or missing credentials");
        }
        if (s == 404) return new UpstreamException(UpstreamException.Reason.NOT_FOUND, what + " not found");
        if (s == 429 || s >= 500) {
            return new UpstreamException(UpstreamException.Reason.SERVER, "the registry failed on " + what
                    + " (HTTP " + s + ")");
        }
        return new UpstreamException(UpstreamException.Reason.PROTOCOL, "unexpected HTTP " + s + " for " + what);
    }
}
