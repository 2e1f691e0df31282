package dev.wharf.auth;

import dev.wharf.model.CleanText;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** HTTP Basic credentials, as every endpoint that takes them decodes them. */
public record BasicCredentials(String username, String secret) {

    /**
     * From an {@code Authorization} header: empty when it is absent, not Basic, or not base64 of
     * {@code user:secret} (the secret may itself contain colons), or when the decoded bytes are not text (NUL or
     * invalid UTF-8: no account has such a name or secret, and the database must never see them).
     */
    public static Optional<BasicCredentials> fromHeader(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return Optional.empty();
        try {
            byte[] bytes = Base64.getDecoder().decode(header.substring(6).trim());
            if (CleanText.bytesProblem(bytes) != null) return Optional.empty();
            String decoded = new String(bytes, StandardCharsets.UTF_8);
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
