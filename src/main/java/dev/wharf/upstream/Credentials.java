package dev.wharf.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A user name and a password or token for an upstream registry. {@link #toString} never shows the secret. */
public record Credentials(String username, String secret) {
    String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", ****]";
    }
}
