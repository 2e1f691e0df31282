package dev.wharf.it.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A username and a secret (password or access token) as registry clients send them. */
public record Credentials(String username, String password) {
    /** {@code user:password}, the form of skopeo's {@code --creds}. */
    public String colonSeparated() {
        return username + ":" + password;
    }

    /** The value of an HTTP Basic header and of an auth file's {@code auth} field. */
    public String basic() {
        return Base64.getEncoder().encodeToString(colonSeparated().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", password=<hidden>]";
    }
}
