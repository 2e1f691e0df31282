package dev.wharf.hub;

import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.OrgTokenResource;
import dev.wharf.auth.Principal;
import io.javalin.http.Context;

/**
 * Who may read and change an organization through the Hub API. Two checks, the credential's first:
 * <ul>
 *   <li>a password session is not capped; a personal access token's session reads with {@code repo:read} and
 *       changes with {@code repo:admin} (else 403, whatever the organization, so nothing is revealed);
 *   <li>then the user's role: members read, owners change; outsiders get the 404 of a missing organization.
 * </ul>
 * An organization access token is its organization's own, with no role: it reaches members and groups of its own
 * organization through the organization scopes of {@link Area} (else 403), never settings, and any other
 * organization is a 404. The table is docs/scopes.md.
 */
final class OrgGuard {
    /** The part of an organization an endpoint touches, with the organization-token scopes that read and edit it. */
    enum Area {
        /** Restricted images (Image Access Management), which Docker Hub's organization tokens cannot use either. */
        SETTINGS("settings", null, null),
        MEMBERS("members", OrgTokenResource.MEMBER_READ, OrgTokenResource.MEMBER_EDIT),
        GROUPS("groups", OrgTokenResource.GROUP_READ, OrgTokenResource.GROUP_EDIT);

        private final String noun;
        private final String readScope;
        private final String editScope;

        Area(String noun, String readScope, String editScope) {
            this.noun = noun;
            this.readScope = readScope;
            this.editScope = editScope;
        }
    }

    private final AccountService accounts;
    private final HubAuth auth;

    OrgGuard(AccountService accounts, HubAuth auth) {
        this.accounts = accounts;
        this.auth = auth;
    }

    /** The caller may read {@code area} of the organization. */
    void read(Context ctx, String org, Area area) {
        check(ctx, org, area, false, null);
    }

    /** The caller may change {@code area} of the organization; {@code what} completes "Only owners of the organization …". */
    void change(Context ctx, String org, Area area, String what) {
        check(ctx, org, area, true, what);
    }

    private void check(Context ctx, String org, Area area, boolean change, String what) {
        Principal principal = auth.require(ctx);
        if (principal instanceof Principal.OrgToken token) {
            checkOrgToken(token, org, area, change);
            return;
        }
        AccessScope needed = change ? AccessScope.ADMIN : AccessScope.READ;
        HubAuth.requireScope(principal, needed, (change ? "changing" : "reading") + " an organization's " + area.noun);
        Principal.UserPrincipal user = HubAuth.userOf(principal);
        if (user == null) throw notFound();
        OrgRole role = accounts.organizations().roleOf(org, user.userId()).orElseThrow(OrgGuard::notFound);
        if (change && role != OrgRole.OWNER) {
            throw new HubException(HubError.FORBIDDEN, "Only owners of the organization " + what);
        }
    }

    private static void checkOrgToken(Principal.OrgToken token, String org, Area area, boolean change) {
        if (!token.org().equals(org)) throw notFound();
        String scope = change ? area.editScope : area.readScope;
        if (scope == null) {
            throw new HubException(HubError.INSUFFICIENT_SCOPE, "Organization access tokens cannot read or change"
                    + " an organization's " + area.noun + "; use a personal session of an owner");
        }
        if (!token.grants(org, scope)) {
            throw new HubException(HubError.INSUFFICIENT_SCOPE, "This organization access token has no " + scope
                    + " scope" + (change ? "" : " (or " + area.editScope + ")"));
        }
    }

    static HubException notFound() {
        return new HubException(HubError.NOT_FOUND, "Organization not found");
    }
}
