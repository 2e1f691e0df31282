package dev.wharf.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.TestServer;
import io.javalin.Javalin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request refused while its client is still sending the body is drained (up to the limit) before the answer, so
 * the client reads the answer instead of a broken pipe (what it got without the drain), and the connection stays
 * usable for its next request.
 */
class RefusedBodyTest {
    @TempDir
    Path dir;

    @Test
    void aClientSendingARefusedBodyReadsTheAnswerAndKeepsItsConnection() throws IOException {
        try (TestServer wharf = TestServer.builder(dir).auth(false).build();
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(
                        wharf.base.substring(wharf.base.lastIndexOf(':') + 1)))) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("PATCH /v2/team/app/blobs/uploads/no-such-upload HTTP/1.1\r\nHost: wharf\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Length: " + RefusedBody.DRAIN_LIMIT
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            for (long sent = 0; sent < RefusedBody.DRAIN_LIMIT; sent += chunk.length) out.write(chunk);
            out.flush();
            String refused = readResponse(in);
            assertThat(refused).startsWith("HTTP/1.1 404").contains("BLOB_UPLOAD_UNKNOWN")
                    .doesNotContainIgnoringCase("connection: close");

            out.write("GET /v2/ HTTP/1.1\r\nHost: wharf\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).as("the same connection answers the next request").startsWith("HTTP/1.1 200");
        }
    }

    /**
     * What the drain looks at is what is left of the body: a layer longer than the limit, refused after the handler
     * read part of it (a disk that fills up mid-layer), is drained too. Sized as in StorageFullIT, where a 64 MiB
     * layer plus its tar header was refused undrained and skopeo, racing its own writes for the answer, sometimes
     * reported a broken pipe; here the client writes the whole body before reading, so without the drain its writes
     * fail outright.
     */
    @Test
    void aBodyLongerThanTheLimitIsDrainedWhenWhatIsLeftOfItFits() throws IOException {
        long readFirst = 8L << 20;
        long length = RefusedBody.DRAIN_LIMIT + (4L << 20);
        Javalin app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            c.routes.patch("/upload", ctx -> {
                ctx.req().getInputStream().readNBytes((int) readFirst);
                throw new IOException("No space left on device");
            });
            c.routes.get("/next", ctx -> ctx.result("next"));
            c.routes.exception(IOException.class, (e, ctx) -> {
                RefusedBody.drain(ctx);
                ctx.status(507).result(e.getMessage());
            });
        }).start();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), app.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("PATCH /upload HTTP/1.1\r\nHost: wharf\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            for (long sent = 0; sent < length; sent += chunk.length) out.write(chunk);
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 507").contains("No space left on device")
                    .doesNotContainIgnoringCase("connection: close");

            out.write("GET /next HTTP/1.1\r\nHost: wharf\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).as("the same connection answers the next request").startsWith("HTTP/1.1 200");
        } finally {
            app.stop();
        }
    }

    /** One response with a Content-Length body, read off the socket. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed after: " + head);
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
        }
        return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
