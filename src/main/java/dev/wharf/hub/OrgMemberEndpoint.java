package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.IdentityException;
import dev.wharf.auth.OrgListQueries;
import dev.wharf.auth.OrgMember;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.Page;
import dev.wharf.auth.User;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Members of an organization ({@code /v2/orgs/{org_name}/members[/{username}]} of the current contract): members
 * list them, owners change roles and remove members. Invitations are not implemented, so {@code invites} and
 * {@code type=invitee} add nobody. An organization always keeps an owner: the change that would leave none is a
 * 400.
 */
final class OrgMemberEndpoint {
    private final AccountService accounts;
    private final OrgListQueries lists;
    private final OrgGuard guard;
    private final ObjectMapper json;

    OrgMemberEndpoint(AccountService accounts, OrgGuard guard, ObjectMapper json) {
        this.accounts = accounts;
        this.lists = accounts.organizations().listQueries();
        this.guard = guard;
        this.json = json;
    }

    void list(Context ctx) {
        String org = ctx.pathParam("org_name");
        guard.read(ctx, org, OrgGuard.Area.MEMBERS);
        Pages pages = Pages.of(ctx);
        OrgRole role = ctx.queryParam("role") == null || ctx.queryParam("role").isBlank() ? null
                : parseRole(ctx.queryParam("role"), "role");
        String type = ctx.queryParam("type");
        if (type != null && !List.of("", "all", "member", "invitee").contains(type)) {
            throw HubException.invalidField("type", "Must be all, member or invitee.");
        }
        String search = ctx.queryParam("search");
        Page<OrgListQueries.MemberRow> page = "invitee".equals(type) ? new Page<>(List.of(), 0)
                : lists.members(org, role, search == null || search.isBlank() ? null : search.strip(),
                        pages.offset(), pages.pageSize());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", page.count());
        pages.links(ctx, page.count(), body);
        body.put("results", page.results().stream().map(r -> view(r.member(), r.teams())).toList());
        HubJson.write(ctx, json, 200, body);
    }

    void update(Context ctx) {
        String org = ctx.pathParam("org_name");
        guard.change(ctx, org, OrgGuard.Area.MEMBERS, "change roles");
        HubBody body = HubBody.parse(ctx, json);
        String roleText = body.requiredString("role");
        body.check();
        OrgRole role = parseRole(roleText, "role");
        String username = ctx.pathParam("username");
        OrgMember current = member(org, username);
        OrgMember updated;
        try {
            updated = accounts.organizations().setMember(org, current.user().username(), role);
        } catch (IdentityException e) {
            throw lastOwner(e);
        }
        HubJson.write(ctx, json, 200, view(updated, lists.teamsOf(org, updated.user().id())));
    }

    void remove(Context ctx) {
        String org = ctx.pathParam("org_name");
        guard.change(ctx, org, OrgGuard.Area.MEMBERS, "remove members");
        OrgMember current = member(org, ctx.pathParam("username"));
        try {
            accounts.organizations().removeMember(org, current.user().username());
        } catch (IdentityException e) {
            throw lastOwner(e);
        }
        ctx.status(204);
    }

    private OrgMember member(String org, String username) {
        return accounts.organizations().findMember(org, username)
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "Member not found"));
    }

    private static OrgRole parseRole(String text, String field) {
        try {
            return OrgRole.parse(text);
        } catch (IdentityException e) {
            throw HubException.invalidField(field, "Must be owner, editor or member.");
        }
    }

    private static HubException lastOwner(IdentityException e) {
        if (e.reason() == IdentityException.Reason.INVALID_STATE) {
            return HubException.invalidField("role", "An organization needs an owner.");
        }
        return HubErrors.fromIdentity(e);
    }

    /** {@code org_member}: the user's public fields, email, role (Owner, Editor, Member) and teams. */
    static Map<String, Object> view(OrgMember m, List<String> groups) {
        Map<String, Object> v = userView(m.user());
        String role = m.role().wireName();
        v.put("role", role.substring(0, 1).toUpperCase(Locale.ROOT) + role.substring(1));
        v.put("groups", groups);
        v.put("is_guest", false);
        v.put("date_joined", HubJson.time(m.joinedAt()));
        return v;
    }

    /** The {@code user} / {@code group_member} fields Wharf has. */
    static Map<String, Object> userView(User u) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", String.valueOf(u.id()));
        v.put("username", u.username());
        v.put("full_name", "");
        v.put("type", "User");
        v.put("date_joined", HubJson.time(u.createdAt()));
        v.put("email", u.email());
        return v;
    }
}
