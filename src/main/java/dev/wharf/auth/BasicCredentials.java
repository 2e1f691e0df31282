package dev.wharf.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** HTTP Basic credentials, as every endpoint that takes them decodes them. */
public record BasicCredentials(String username, String secret) {

    /**
     * From an {@code Authorization} header: empty when it is absent, not Basic, or not base64 of
     * {@code user:secret} (the secret may itself contain colons).
     */
    public static Optional<BasicCredentials> fromHeader(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return Optional.empty();
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) return Optional.empty();
            return Optional.of(new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static boolean isBasic(String header) {
        return header != null && header.regionMatches(true, 0, "Basic ", 0, 6);
    }
}
