package dev.wharf.auth.registry;

import dev.wharf.audit.AuditContext;
import dev.wharf.auth.AccessControl;
import dev.wharf.auth.BasicCredentials;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.auth.token.TokenException;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.registry.RegistryAccess;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * /v2/ access by bearer token, or by HTTP Basic credentials (password, personal or organization access token) for
 * scripts like {@code curl -u}. Without valid credentials, or with a token that lacks the needed actions, the
 * answer is 401 with a {@code WWW-Authenticate: Bearer realm=…,service=…,scope=…} challenge, so clients fetch a
 * token and retry. A caller that may see the repository but not do what it asked gets 403 DENIED instead. A caller
 * that may not see it gets exactly what a missing repository gives: the same 401 challenge, never a hint that it
 * exists. A pull an organization's restricted images forbid is 403 DENIED with the reason.
 *
 * <p>What a request may do is what its token grants <em>and</em> what its principal may do now: a token's
 * principal that was deleted or deactivated, a repository made private, a membership removed, all take effect
 * within the bound of {@link dev.wharf.auth.AuthorizationEpoch}, not when the token expires. A Basic request may
 * do what its principal may do now. Both checks are answered from {@link CachedAuthorization}.
 */
public final class BearerRegistryAccess implements RegistryAccess {
    private static final String CALLER = "wharf.caller";

    /** Who this request is: a verified token (grant) or Basic credentials (grant null), and its principal now. */
    private record Caller(RegistryTokens.Grant grant, Principal principal, String subject) {
        /** What this caller may do on the repository now. */
        Set<String> actionsOn(CachedAuthorization cache, String repository) {
            Set<String> now = cache.allowed(principal, repository).stream().map(dev.wharf.auth.Action::scopeName)
                    .collect(Collectors.toCollection(java.util.HashSet::new));
            if (grant != null) now.retainAll(grant.actionsOn(repository));
            return now;
        }
    }

    private final RegistryTokens tokens;
    private final CachedAuthorization cache;
    private final AccessControl access;
    private final String configuredRealm;

    public BearerRegistryAccess(RegistryTokens tokens, CachedAuthorization cache, AccessControl access,
            String realm) {
        this.tokens = tokens;
        this.cache = cache;
        this.access = access;
        this.configuredRealm = realm;
    }

    @Override
    public void requireBase(Context ctx) {
        if (caller(ctx).isEmpty()) throw challenge(ctx, null, false);
    }

    @Override
    public void require(Context ctx, String repository, Set<Action> actions) {
        Optional<Caller> caller = caller(ctx);
        Set<String> needed = actions.stream().map(a -> a.name().toLowerCase()).collect(Collectors.toSet());
        String scope = "repository:" + repository + ":" + scopeActions(actions);
        if (caller.isEmpty()) throw challenge(ctx, scope, false);
        if (caller.get().actionsOn(cache, repository).containsAll(needed)) return;
        // Refused: say why, without revealing a repository the caller may not see.
        Principal principal = caller.get().principal();
        if (needed.contains("pull")) {
            Optional<String> refusal = access.pullRefusal(principal, repository);
            if (refusal.isPresent()) {
                throw new RegistryException(OciError.DENIED, refusal.get(), Map.of("name", repository));
            }
        }
        Set<String> allowed = access.allowed(principal, repository).stream().map(a -> a.scopeName())
                .collect(Collectors.toSet());
        // The principal could have it: the token just asked for too little (a Basic caller always has all it may).
        if (allowed.containsAll(needed) || !allowed.contains("pull")) throw challenge(ctx, scope, true);
        throw new RegistryException(OciError.DENIED, "requested access to the resource is denied",
                Map.of("name", repository, "needed", needed.stream().sorted().toList()));
    }

    @Override
    public boolean canPull(Context ctx, String repository) {
        return caller(ctx).map(c -> c.actionsOn(cache, repository).contains("pull")).orElse(false);
    }

    @Override
    public List<String> visible(Context ctx, List<String> repositories) {
        Optional<Caller> caller = caller(ctx);
        if (caller.isEmpty()) throw challenge(ctx, "registry:catalog:*", false);
        RegistryTokens.Grant grant = caller.get().grant();
        if (grant != null && !grant.catalog()) throw challenge(ctx, "registry:catalog:*", true);
        Principal principal = caller.get().principal();
        return repositories.stream().filter(r -> cache.allowed(principal, r).contains(dev.wharf.auth.Action.PULL))
                .toList();
    }

    @Override
    public Optional<String> account(Context ctx) {
        return caller(ctx).map(Caller::subject).filter(s -> s != null && !s.isEmpty());
    }

    /**
     * This request's caller, if its credentials are good and its principal still exists; cached on the context.
     * Basic credentials that are refused answer at once (401, or 429 while the login throttle holds).
     */
    private Optional<Caller> caller(Context ctx) {
        Object cached = ctx.attribute(CALLER);
        if (cached instanceof Caller c) return Optional.of(c);
        String header = ctx.header("Authorization");
        Optional<Caller> caller;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            caller = bearer(header.substring(7).trim());
        } else if (BasicCredentials.isBasic(header)) {
            caller = Optional.of(basic(ctx, header));
        } else {
            return Optional.empty();
        }
        caller.ifPresent(c -> {
            ctx.attribute(CALLER, c);
            AuditContext.setActor(c.subject()); // changes this request makes are attributed to it
        });
        return caller;
    }

    private Optional<Caller> bearer(String token) {
        try {
            RegistryTokens.Grant grant = cache.verify(token);
            return cache.principal(grant.claims()).map(p -> new Caller(grant, p, grant.claims().getSubject()));
        } catch (TokenException e) {
            return Optional.empty();
        }
    }

    private Caller basic(Context ctx, String header) {
        BasicCredentials creds = BasicCredentials.fromHeader(header).orElseThrow(() -> challenge(ctx, null, false));
        switch (cache.basic(creds.username(), creds.secret(), ctx.ip())) {
            case LoginGuard.Attempt.Accepted a -> {
                return new Caller(null, a.principal(), SessionTokens.identityClaims(a.principal()).build()
                        .getSubject());
            }
            case LoginGuard.Attempt.Locked l -> {
                String seconds = String.valueOf(Math.max(1, l.retryAfter().toSeconds()));
                throw new RegistryException(OciError.TOOMANYREQUESTS, "too many failed logins; retry later", null,
                        Map.of("Retry-After", seconds));
            }
            case LoginGuard.Attempt.Rejected r -> throw challenge(ctx, null, false);
        }
    }

    private RegistryException challenge(Context ctx, String scope, boolean insufficient) {
        StringBuilder h = new StringBuilder("Bearer realm=\"").append(realm(ctx)).append("\",service=\"")
                .append(tokens.service()).append('"');
        if (scope != null) h.append(",scope=\"").append(scope).append('"');
        if (insufficient) h.append(",error=\"insufficient_scope\"");
        return new RegistryException(OciError.UNAUTHORIZED, "authentication required",
                scope == null ? null : Map.of("scope", scope), Map.of("WWW-Authenticate", h.toString()));
    }

    /** The configured realm, or this server's /token as the client reached it (honouring a proxy's headers). */
    private String realm(Context ctx) {
        if (!configuredRealm.isEmpty()) return configuredRealm;
        String proto = Optional.ofNullable(ctx.header("X-Forwarded-Proto")).orElse(ctx.scheme());
        String host = Optional.ofNullable(ctx.header("X-Forwarded-Host")).orElse(ctx.host());
        return proto.split(",")[0].trim() + "://" + host.split(",")[0].trim() + "/token";
    }

    private static String scopeActions(Set<Action> actions) {
        StringBuilder b = new StringBuilder();
        for (Action a : List.of(Action.PULL, Action.PUSH,
                Action.DELETE)) {
            if (!actions.contains(a)) continue;
            if (!b.isEmpty()) b.append(',');
            b.append(a.name().toLowerCase());
        }
        return b.toString();
    }
}
