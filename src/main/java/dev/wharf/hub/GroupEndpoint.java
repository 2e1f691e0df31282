package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.IdentityException;
import dev.wharf.auth.Page;
import dev.wharf.auth.Team;
import dev.wharf.auth.User;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups (Wharf's teams) of an organization and their members ({@code /v2/orgs/{org_name}/groups...} of the
 * current contract). Members of the organization read; owners change. Only members of the organization can join
 * its groups.
 */
final class GroupEndpoint {
    private final AccountService accounts;
    private final OrgGuard guard;
    private final ObjectMapper json;

    GroupEndpoint(AccountService accounts, OrgGuard guard, ObjectMapper json) {
        this.accounts = accounts;
        this.guard = guard;
        this.json = json;
    }

    void list(Context ctx) {
        String org = org(ctx, false);
        Pages pages = Pages.of(ctx);
        String search = ctx.queryParam("search");
        String username = ctx.queryParam("username");
        Page<Team> teams = accounts.organizations().listQueries().teams(org, blankToNull(search), blankToNull(username),
                pages.offset(), pages.pageSize());
        write(ctx, pages, teams.count(), teams.results().stream().map(GroupEndpoint::view).toList());
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }

    void create(Context ctx) {
        String org = org(ctx, true);
        HubBody body = HubBody.parse(ctx, json);
        String name = body.requiredString("name");
        String description = body.optionalString("description");
        body.check();
        try {
            HubJson.write(ctx, json, 201, view(accounts.teams().createTeam(org, name, description)));
        } catch (IdentityException e) {
            throw invalid(e);
        }
    }

    void get(Context ctx) {
        String org = org(ctx, false);
        HubJson.write(ctx, json, 200, view(team(org, ctx)));
    }

    /** PUT (name required) and PATCH (both optional). */
    void update(Context ctx) {
        String org = org(ctx, true);
        Team team = team(org, ctx);
        HubBody body = HubBody.parse(ctx, json);
        String name = ctx.method().name().equals("PUT") ? body.requiredString("name") : body.optionalString("name");
        String description = body.optionalString("description");
        body.check();
        try {
            HubJson.write(ctx, json, 200, view(accounts.teams().updateTeam(org, team.name(), name, description)));
        } catch (IdentityException e) {
            throw invalid(e);
        }
    }

    void delete(Context ctx) {
        String org = org(ctx, true);
        accounts.teams().deleteTeam(org, team(org, ctx).name());
        ctx.status(204);
    }

    void listMembers(Context ctx) {
        String org = org(ctx, false);
        Team team = team(org, ctx);
        Pages pages = Pages.of(ctx);
        String search = ctx.queryParam("search");
        List<Map<String, Object>> users = accounts.teams().listTeamMembers(org, team.name()).stream()
                .filter(u -> search == null || search.isBlank() || u.username().contains(search.strip()))
                .map(OrgMemberEndpoint::userView).toList();
        page(ctx, pages, users);
    }

    void addMember(Context ctx) {
        String org = org(ctx, true);
        Team team = team(org, ctx);
        HubBody body = HubBody.parse(ctx, json);
        String member = body.requiredString("member");
        body.check();
        User user = accounts.findUser(member).filter(u -> accounts.organizations().roleOf(org, u.id()).isPresent())
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "No such member of the organization"));
        accounts.teams().addTeamMember(org, team.name(), user.username());
        ctx.status(200);
    }

    void removeMember(Context ctx) {
        String org = org(ctx, true);
        Team team = team(org, ctx);
        boolean removed;
        try {
            removed = accounts.teams().removeTeamMember(org, team.name(), ctx.pathParam("username"));
        } catch (IdentityException e) {
            removed = false;
        }
        if (!removed) throw new HubException(HubError.NOT_FOUND, "Not a member of the group");
        ctx.status(204);
    }

    private String org(Context ctx, boolean change) {
        String org = ctx.pathParam("org_name");
        if (change) {
            guard.change(ctx, org, OrgGuard.Area.GROUPS, "manage groups");
        } else {
            guard.read(ctx, org, OrgGuard.Area.GROUPS);
        }
        return org;
    }

    private Team team(String org, Context ctx) {
        return accounts.teams().findTeam(org, ctx.pathParam("group_name"))
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "Group not found"));
    }

    private void page(Context ctx, Pages pages, List<Map<String, Object>> items) {
        write(ctx, pages, items.size(), items.stream().skip(pages.offset()).limit(pages.pageSize()).toList());
    }

    /** A listing body: the total, links to the neighbouring pages, and this page's results. */
    private void write(Context ctx, Pages pages, long total, List<Map<String, Object>> results) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", total);
        pages.links(ctx, total, body);
        body.put("results", results);
        HubJson.write(ctx, json, 200, body);
    }

    private static HubException invalid(IdentityException e) {
        if (e.reason() == IdentityException.Reason.CONFLICT) return HubException.invalidField("name", e.getMessage());
        if (e.reason() == IdentityException.Reason.INVALID_INPUT) {
            return HubException.invalidInput(e, "name", "description");
        }
        return HubErrors.fromIdentity(e);
    }

    /** {@code org_group}. */
    static Map<String, Object> view(Team t) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", t.id());
        v.put("uuid", String.valueOf(t.id()));
        v.put("name", t.name());
        v.put("description", t.description());
        v.put("member_count", t.memberCount());
        return v;
    }
}
