package dev.wharf.registry;

import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.ratelimit.RateLimiter;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Pull budgets the way Docker Hub announces them: a manifest GET takes one pull from the caller's budget (per
 * account when signed in, per client IP otherwise); a HEAD only reports it. Every such response carries
 * {@code ratelimit-limit: N;w=SECONDS} and {@code ratelimit-remaining: M;w=SECONDS}; an exhausted budget gives
 * 429 TOOMANYREQUESTS with {@code Retry-After}. A limit of 0 means unlimited (the default: pull budgets are a
 * public service's policy, not a self-hosted one's): nothing is counted and no headers are sent.
 */
public final class PullLimit {
    private final RateLimiter limiter;
    private final int anonymous;
    private final int authenticated;
    private final Duration window;

    public PullLimit(RateLimiter limiter, int anonymous, int authenticated, Duration window) {
        this.limiter = limiter;
        this.anonymous = anonymous;
        this.authenticated = authenticated;
        this.window = window;
    }

    /** Whether any limit is set at all; when not, callers need not even look up the account. */
    boolean active() {
        return anonymous > 0 || authenticated > 0;
    }

    void apply(Context ctx, Optional<String> account, boolean take) {
        int limit = account.isPresent() ? authenticated : anonymous;
        if (limit == 0) return;
        String key = account.map(a -> "pull:user:" + a).orElse("pull:ip:" + ctx.ip());
        RateLimiter.Decision d = take ? limiter.take(key, limit, window) : limiter.peek(key, limit, window);
        String w = ";w=" + window.toSeconds();
        ctx.header("ratelimit-limit", limit + w);
        ctx.header("ratelimit-remaining", Math.max(0, d.remaining()) + w);
        ctx.header("docker-ratelimit-source", account.orElse(ctx.ip()));
        if (!d.allowed()) {
            long retry = Math.max(1, Duration.between(Instant.now(), d.retryAt()).toSeconds());
            throw new RegistryException(OciError.TOOMANYREQUESTS,
                    "pull rate limit reached: " + limit + " pulls per " + window.toHours() + "h; retry later", null,
                    Map.of("Retry-After", String.valueOf(retry), "ratelimit-limit", limit + w,
                            "ratelimit-remaining", "0" + w));
        }
    }
}
