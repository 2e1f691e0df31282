package dev.wharf.hub;

import dev.wharf.ratelimit.RateLimiter;
import dev.wharf.auth.Principal;
import io.javalin.http.Context;

/**
 * Applies the Hub API's request budget to one request, as the contract's rate-limiting section describes: per
 * account when the bearer token verifies (a user and their access tokens share one budget; an organization token
 * spends its organization's), per client IP otherwise. Every answer carries the {@code X-RateLimit-*} headers;
 * a refused one is a 429 with {@code X-Retry-After}.
 */
final class HubRateLimit {
    private final RateLimiter limiter;
    private final HubAuth auth;
    private final int perAccount;
    private final int perAnonymous;

    /** @param limiter null when rate limiting is off: no budget, no headers */
    HubRateLimit(RateLimiter limiter, HubAuth auth, int perAccount, int perAnonymous) {
        this.limiter = limiter;
        this.auth = auth;
        this.perAccount = perAccount;
        this.perAnonymous = perAnonymous;
    }

    /** @throws HubException RATE_LIMITED when the caller's budget for this minute is spent */
    void apply(Context ctx) {
        if (limiter == null) return;
        RateLimiter.Decision d = switch (auth.resolve(ctx).orElse(Principal.ANONYMOUS)) {
            case Principal.UserPrincipal u -> limiter.take("user:" + u.userId(), perAccount);
            case Principal.PersonalToken t -> limiter.take("user:" + t.user().userId(), perAccount);
            case Principal.OrgToken o -> limiter.take("org:" + o.org(), perAccount);
            case Principal.Anonymous a -> limiter.take("ip:" + ctx.ip(), perAnonymous);
        };
        ctx.header("X-RateLimit-Limit", String.valueOf(d.limit()));
        ctx.header("X-RateLimit-Remaining", String.valueOf(d.remaining()));
        ctx.header("X-RateLimit-Reset", String.valueOf(HubJson.epochSecondsUp(d.resetAt())));
        if (!d.allowed()) throw HubException.tooMany(HubError.RATE_LIMITED, d.retryAt());
    }
}
