package dev.wharf.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Picks a currently unused loopback TCP port for a server the test is about to start. */
public final class FreePort {
    private FreePort() {}

    public static int pick() {
        // Port 0 lets the kernel choose; the small race until the server binds is acceptable in tests.
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
