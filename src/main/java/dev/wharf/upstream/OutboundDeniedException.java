package dev.wharf.upstream;

import java.io.IOException;

/**
 * A connection the {@link OutboundPolicy} refused. An IOException so HTTP clients report it as a failed connect.
 * The message names the host but not the addresses it resolved to, so users cannot map internal DNS with it.
 */
public final class OutboundDeniedException extends IOException {
    private final String host;

    public OutboundDeniedException(String host) {
        super(host + ": address not allowed by outbound policy (outbound.allow / outbound.deny)");
        this.host = host;
    }

    public String host() {
        return host;
    }
}
