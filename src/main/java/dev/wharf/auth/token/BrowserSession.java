package dev.wharf.auth.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * The web console's session: the same Hub session JWT that {@code POST /v2/users/login} returns, kept by the
 * browser in an {@code HttpOnly} cookie instead of script memory, so script injected into a page could not read
 * it. The Hub and Cycle APIs accept the cookie where they accept {@code Authorization: Bearer}, with the same
 * permissions, when the request has no Authorization header.
 *
 * <p>A cookie travels with requests other sites make, so a state-changing request authenticated by it must
 * also carry {@link #CSRF_HEADER}. Its value is derived from the session token itself (a SHA-256 under a fixed
 * label): a page of another origin can neither read the cookie nor the console's answers, so it cannot compute
 * it, while every node of a cluster can check it without shared state. The hash reveals nothing of the token.
 */
public final class BrowserSession {
    public static final String COOKIE = "wharf_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final byte[] LABEL = "wharf-console-csrf\u0000".getBytes(StandardCharsets.US_ASCII);

    /** What a request presents when it has no Authorization header. */
    public enum Presented {
        /** No session cookie: the request is anonymous (or needs a bearer token). */
        NONE,
        /** A cookie the request may use: a safe method, or an unsafe one with the matching CSRF header. */
        USABLE,
        /** A cookie on a state-changing request without the right CSRF header: refuse with 403. */
        CSRF_REFUSED
    }

    private BrowserSession() {}

    public static Presented check(String cookie, String method, String csrfHeader) {
        if (cookie == null || cookie.isBlank()) return Presented.NONE;
        if (SAFE_METHODS.contains(method.toUpperCase(Locale.ROOT))) return Presented.USABLE;
        return csrfMatches(cookie, csrfHeader) ? Presented.USABLE : Presented.CSRF_REFUSED;
    }

    /** The CSRF token of a session; the console receives it from its session endpoint and sends it back. */
    public static String csrfToken(String sessionToken) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(LABEL);
            byte[] hash = sha.digest(sessionToken.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** Compared in constant time, so the comparison's duration says nothing about how much matched. */
    static boolean csrfMatches(String sessionToken, String presented) {
        if (presented == null || presented.isEmpty()) return false;
        return MessageDigest.isEqual(csrfToken(sessionToken).getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.UTF_8));
    }
}
