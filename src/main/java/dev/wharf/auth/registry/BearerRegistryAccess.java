package dev.wharf.auth.registry;

import dev.wharf.audit.AuditContext;
import dev.wharf.auth.AccessControl;
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
 * /v2/ access by bearer token. Without a valid token, or with one that lacks the needed actions, the answer is
 * 401 with a {@code WWW-Authenticate: Bearer realm=…,service=…,scope=…} challenge, so clients fetch a token and
 * retry. A caller that may see the repository but not do what it asked gets 403 DENIED instead. A caller that
 * may not see it gets exactly what a missing repository gives: the same 401 challenge, never a hint that it
 * exists. A pull an organization's restricted images forbid is 403 DENIED with the reason.
 */
public final class BearerRegistryAccess implements RegistryAccess {
    private static final String PRINCIPAL = "wharf.principal";

    private final RegistryTokens tokens;
    private final SessionTokens sessions;
    private final AccessControl access;
    private final String configuredRealm;

    public BearerRegistryAccess(RegistryTokens tokens, SessionTokens sessions, AccessControl access, String realm) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.access = access;
        this.configuredRealm = realm;
    }

    @Override
    public void requireBase(Context ctx) {
        if (grant(ctx).isEmpty()) throw challenge(ctx, null, false);
    }

    @Override
    public void require(Context ctx, String repository, Set<Action> actions) {
        Optional<RegistryTokens.Grant> grant = grant(ctx);
        Set<String> needed = actions.stream().map(a -> a.name().toLowerCase()).collect(Collectors.toSet());
        String scope = "repository:" + repository + ":" + scopeActions(actions);
        if (grant.isEmpty()) throw challenge(ctx, scope, false);
        Set<String> held = grant.get().actionsOn(repository);
        if (held.containsAll(needed) && !staleGrant(grant.get(), repository)) return;
        // The token lacks something. If the principal could have it, the client just asked for too little.
        Principal principal = principal(ctx, grant.get());
        if (needed.contains("pull")) {
            Optional<String> refusal = access.pullRefusal(principal, repository);
            if (refusal.isPresent()) {
                throw new RegistryException(OciError.DENIED, refusal.get(), Map.of("name", repository));
            }
        }
        Set<String> allowed = access.allowed(principal, repository).stream().map(a -> a.scopeName())
                .collect(Collectors.toSet());
        if (allowed.containsAll(needed) || !access.visible(principal, repository)) {
            throw challenge(ctx, scope, true);
        }
        throw new RegistryException(OciError.DENIED, "requested access to the resource is denied",
                Map.of("name", repository, "needed", needed.stream().sorted().toList()));
    }

    /**
     * A grant made before the repository's privacy changed is re-checked against the rules of now: the token may
     * no longer be worth what it says.
     */
    private boolean staleGrant(RegistryTokens.Grant grant, String repository) {
        java.util.Date issued = grant.claims().getIssueTime();
        if (issued == null || !access.privacyChangedSince(repository, issued.toInstant())) return false;
        Principal principal = sessions.resolve(grant.claims()).orElse(Principal.ANONYMOUS);
        return !access.allowed(principal, repository).stream().map(a -> a.scopeName()).collect(Collectors.toSet())
                .containsAll(grant.actionsOn(repository));
    }

    @Override
    public boolean canPull(Context ctx, String repository) {
        // As a blob GET decides: the token's grant, checked again when the repository's privacy changed since the
        // token was issued (a mount is a pull of the source repository, so privacy applies to it at once too).
        return grant(ctx).map(g -> g.actionsOn(repository).contains("pull") && !staleGrant(g, repository))
                .orElse(false);
    }

    @Override
    public List<String> visible(Context ctx, List<String> repositories) {
        Optional<RegistryTokens.Grant> grant = grant(ctx);
        if (grant.isEmpty()) throw challenge(ctx, "registry:catalog:*", false);
        if (!grant.get().catalog()) throw challenge(ctx, "registry:catalog:*", true);
        Principal principal = principal(ctx, grant.get());
        return repositories.stream().filter(r -> access.visible(principal, r)).toList();
    }

    @Override
    public Optional<String> account(Context ctx) {
        return grant(ctx).map(g -> g.claims().getSubject()).filter(s -> s != null && !s.isEmpty());
    }

    /** The verified token of this request, if any; cached on the context. */
    private Optional<RegistryTokens.Grant> grant(Context ctx) {
        Object cached = ctx.attribute("wharf.grant");
        if (cached instanceof RegistryTokens.Grant g) return Optional.of(g);
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
        try {
            RegistryTokens.Grant g = tokens.verify(header.substring(7).trim());
            ctx.attribute("wharf.grant", g);
            AuditContext.setActor(g.claims().getSubject()); // changes this request makes are attributed to it
            return Optional.of(g);
        } catch (TokenException e) {
            return Optional.empty();
        }
    }

    private Principal principal(Context ctx, RegistryTokens.Grant grant) {
        Object cached = ctx.attribute(PRINCIPAL);
        if (cached instanceof Principal p) return p;
        Principal p = sessions.resolve(grant.claims()).orElse(Principal.ANONYMOUS);
        ctx.attribute(PRINCIPAL, p);
        return p;
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
        for (Action a : List.of(Action.PULL, Action.PUSH, Action.DELETE)) {
            if (!actions.contains(a)) continue;
            if (!b.isEmpty()) b.append(',');
            b.append(a.name().toLowerCase());
        }
        return b.toString();
    }
}
