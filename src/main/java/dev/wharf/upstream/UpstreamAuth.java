package dev.wharf.upstream;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one upstream registry (one origin, one set of credentials) said about authentication, shared by the
 * {@link UpstreamClient}s of its repositories: the challenge of its API root, so that a client for another
 * repository skips the {@code GET /v2/} round trip, and bearer tokens per repository scope, used until shortly
 * before they expire rather than fetched per client. Holds tokens, never the credentials themselves.
 */
public final class UpstreamAuth {
    /** Part of a token's lifetime it is used for; the rest covers clock skew and requests still in flight. */
    private static final double USE_FOR = 0.9;
    /** Token lifetime when the token endpoint names none (the Docker token specification's default). */
    static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);

    /** The API root's answer: its challenge (null when it needs no credentials) and the URL that gave it. */
    record Root(Challenge challenge, URI answeredBy) {}

    /** A bearer token and until when it is used. */
    record Token(String value, Instant useUntil) {}

    private final Clock clock;
    private volatile Root root;
    private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();

    public UpstreamAuth(Clock clock) {
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    Optional<Root> root() {
        return Optional.ofNullable(root);
    }

    void root(Root answer) {
        root = answer;
    }

    /** A token for {@code scope} that is still good to use. */
    Optional<Token> token(String scope) {
        Token t = tokens.get(scope);
        if (t == null) return Optional.empty();
        if (!clock.instant().isBefore(t.useUntil())) {
            tokens.remove(scope, t);
            return Optional.empty();
        }
        return Optional.of(t);
    }

    /** Keeps a token for its lifetime (less a margin); returns until when it is used. */
    Instant keep(String scope, String token, Duration lifetime) {
        Instant until = clock.instant().plusMillis((long) (lifetime.toMillis() * USE_FOR));
        tokens.put(scope, new Token(token, until));
        return until;
    }

    /** Drops a token the registry refused (revoked or expired early) and the root's answer with it. */
    void refused(String scope) {
        tokens.remove(scope);
        root = null;
    }

    /** How many scopes hold a token now (for tests). */
    int tokens() {
        return tokens.size();
    }
}
