package dev.wharf.registry;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.server.Request;

/** What is done with the rest of a request body when the request is refused before reading all of it. */
final class RefusedBody {
    private RefusedBody() {}

    /** The most of a refused request's body read and thrown away so that its client hears why (see drain). */
    static final long DRAIN_LIMIT = 64L * 1024 * 1024;

    /**
     * Reads and discards what is left of a refused request's body when that is at most {@link #DRAIN_LIMIT}. A client
     * still sending a layer when its append is refused (a full disk, say) otherwise meets a connection closed under
     * its writes and reports a broken pipe instead of the answer; skopeo did, in StorageFullIT. What counts is what
     * is <em>left</em>: a 64 MiB layer refused after 45 MiB has 19 MiB to go however large it was, and a limit on
     * the whole body left exactly that push undrained, and its client racing its own writes for the answer. More
     * than the limit left is left to Jetty, which closes the connection after the answer, and so is a body behind
     * {@code Expect: 100-continue}: reading it would ask the client to send what is refused (curl waits for the
     * answer instead).
     */
    static void drain(Context ctx) {
        String method = ctx.method().name();
        if (!method.equals("PATCH") && !method.equals("PUT") && !method.equals("POST")) return;
        if ("100-continue".equalsIgnoreCase(ctx.header("Expect"))) return;
        long declared = ctx.req().getContentLengthLong();
        if (declared >= 0 && declared - bodyBytesRead(ctx) > DRAIN_LIMIT) return;
        try {
            // To the end of the body (a chunked one announces no length), giving up once more than the limit came.
            InputStream in = ctx.req().getInputStream();
            byte[] discard = new byte[64 * 1024];
            long read = 0;
            for (int n; read <= DRAIN_LIMIT && (n = in.read(discard)) >= 0; ) {
                read += n;
            }
        } catch (IOException | RuntimeException gone) {
            // The body was broken off or the connection is gone: nothing to drain, the answer is written anyway.
        }
    }

    /** How much of the request's body the handler has already read (0 where Jetty cannot tell). */
    private static long bodyBytesRead(Context ctx) {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        return request == null ? 0 : Request.getContentBytesRead(request);
    }
}
