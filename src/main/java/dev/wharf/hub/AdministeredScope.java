package dev.wharf.hub;

import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.NamespaceKind;
import dev.wharf.auth.Principal;
import io.javalin.http.Context;

/**
 * What a path under {@code /v2/repositories/{namespace}/{repository}/…} or {@code /v2/namespaces/{namespace}/…}
 * names for settings only its administrators may see or change (webhooks, retention): a repository its caller
 * administers, or a namespace it owns — an organization's owners (its settings area, see {@link OrgGuard}) or
 * the user themself with a password session or {@code repo:admin}. Anyone else gets the 404 or 403 of the other
 * repository and organization endpoints.
 */
final class AdministeredScope {
    /** The namespace, the repository's full name (empty for the namespace itself) and who acts. */
    record Scope(String namespace, String repository, String actor) {}

    private final RepositoryLookup lookup;
    private final OrgGuard orgGuard;
    private final AccountService accounts;
    private final HubAuth auth;

    AdministeredScope(RepositoryLookup lookup, OrgGuard orgGuard, AccountService accounts, HubAuth auth) {
        this.lookup = lookup;
        this.orgGuard = orgGuard;
        this.accounts = accounts;
        this.auth = auth;
    }

    /** @param what completes "Only owners of the organization …" and "… needs repo:admin" */
    Scope of(Context ctx, String what) {
        Principal principal = auth.require(ctx);
        String namespace = ctx.pathParam("namespace");
        if (HubPath.has(ctx, "repository")) {
            return new Scope(namespace, lookup.administered(ctx, principal).name(), HubAuth.actorName(principal));
        }
        NamespaceKind kind = accounts.namespaceKind(namespace).orElseThrow(RepositoryLookup::notFound);
        if (kind == NamespaceKind.ORG) {
            orgGuard.change(ctx, namespace, OrgGuard.Area.SETTINGS, "may manage its " + what);
            return new Scope(namespace, "", HubAuth.actorName(principal));
        }
        Principal.UserPrincipal user = HubAuth.userOf(principal);
        if (user == null || !user.username().equals(namespace)) throw RepositoryLookup.notFound();
        HubAuth.requireScope(principal, AccessScope.ADMIN, "managing " + what);
        return new Scope(namespace, "", user.username());
    }
}
