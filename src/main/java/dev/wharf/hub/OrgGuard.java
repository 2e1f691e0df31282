package dev.wharf.hub;

import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.Principal;
import io.javalin.http.Context;

/**
 * Who may read and change an organization through the Hub API: members read, owners change. Outsiders, and
 * organization access tokens, get the same 404 as for an organization that does not exist.
 */
final class OrgGuard {
    private final AccountService accounts;
    private final HubAuth auth;

    OrgGuard(AccountService accounts, HubAuth auth) {
        this.accounts = accounts;
        this.auth = auth;
    }

    /** The caller's role in the organization named by the path parameter. */
    OrgRole member(Context ctx, String org) {
        Principal.UserPrincipal user = HubAuth.userOf(auth.require(ctx));
        if (user == null) throw notFound();
        return accounts.roleOf(org, user.userId()).orElseThrow(OrgGuard::notFound);
    }

    void owner(Context ctx, String org, String what) {
        if (member(ctx, org) != OrgRole.OWNER) {
            throw new HubException(HubError.FORBIDDEN, "Only owners of the organization " + what);
        }
    }

    static HubException notFound() {
        return new HubException(HubError.NOT_FOUND, "Organization not found");
    }
}
