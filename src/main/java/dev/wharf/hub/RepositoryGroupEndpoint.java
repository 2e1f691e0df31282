package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.IdentityException;
import dev.wharf.auth.NamespaceKind;
import dev.wharf.auth.Team;
import dev.wharf.auth.TeamPermission;
import dev.wharf.auth.TeamRepositoryPermission;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The groups (teams) with a permission on a repository of an organization. {@code POST
 * /v2/repositories/{namespace}/{repository}/groups} gives a group read, write or admin (Docker Hub's contract);
 * {@code GET} on the same path and {@code DELETE .../groups/{group_id}} are Wharf's additions, because the
 * contract can grant but neither list nor revoke. Repository administrators only, for all three.
 */
final class RepositoryGroupEndpoint {
    private final AccountService accounts;
    private final RepositoryLookup lookup;
    private final HubAuth auth;
    private final ObjectMapper json;

    RepositoryGroupEndpoint(AccountService accounts, RepositoryLookup lookup, HubAuth auth, ObjectMapper json) {
        this.accounts = accounts;
        this.lookup = lookup;
        this.auth = auth;
        this.json = json;
    }

    void create(Context ctx) {
        RepositoryLookup.Found repo = lookup.administered(ctx, auth.require(ctx));
        String org = ctx.pathParam("namespace");
        HubBody body = HubBody.parse(ctx, json);
        JsonNode id = body.node("group_id");
        if (id == null || !id.canConvertToLong() || !id.isIntegralNumber()) {
            body.problem("group_id", "This field is required and must be a whole number.");
        }
        String permissionText = body.requiredString("permission");
        TeamPermission permission = null;
        if (permissionText != null) {
            try {
                permission = TeamPermission.parse(permissionText);
            } catch (IdentityException e) {
                body.problem("permission", "Must be read, write or admin.");
            }
        }
        body.check();
        if (accounts.namespaceKind(org).orElse(null) != NamespaceKind.ORG) {
            throw HubException.invalidField("group_id", "Only repositories of an organization have groups.");
        }
        long groupId = id.longValue();
        Team team = accounts.teams().listTeams(org).stream().filter(t -> t.id() == groupId).findFirst()
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "Group not found"));
        TeamRepositoryPermission granted =
                accounts.teams().setTeamPermission(org, team.name(), repo.name(), permission);
        HubJson.write(ctx, json, 200, view(granted));
    }

    /** The groups with a permission on the repository, by group name, paginated like the other Hub lists. */
    void list(Context ctx) {
        RepositoryLookup.Found repo = lookup.administered(ctx, auth.require(ctx));
        Pages pages = Pages.of(ctx);
        List<TeamRepositoryPermission> grants = accounts.teams().listRepositoryPermissions(repo.name());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", grants.size());
        pages.links(ctx, grants.size(), body);
        body.put("results", grants.stream().skip(pages.offset()).limit(pages.pageSize())
                .map(RepositoryGroupEndpoint::view).toList());
        HubJson.write(ctx, json, 200, body);
    }

    /** Takes the group's permission on the repository away: 404 when it had none. */
    void delete(Context ctx) {
        RepositoryLookup.Found repo = lookup.administered(ctx, auth.require(ctx));
        long groupId = groupId(HubPath.param(ctx, "group_id"));
        TeamRepositoryPermission grant = accounts.teams().listRepositoryPermissions(repo.name()).stream()
                .filter(p -> p.teamId() == groupId).findFirst()
                .orElseThrow(RepositoryGroupEndpoint::noGrant);
        // false when another request revoked it since the lookup: answered as if the lookup had found nothing
        if (!accounts.teams().removeTeamPermission(grant.org(), grant.team(), repo.name())) throw noGrant();
        ctx.status(204);
    }

    private static HubException noGrant() {
        return new HubException(HubError.NOT_FOUND, "The group has no permission on this repository");
    }

    /** A path's group id; anything but a whole number names no group, so it is a 404 like an unknown one. */
    private static long groupId(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new HubException(HubError.NOT_FOUND, "Group not found");
        }
    }

    /** {@code RepositoryGroup}: the contract's answer to the grant, reused for the list's entries. */
    private static Map<String, Object> view(TeamRepositoryPermission p) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("group_name", p.team());
        v.put("permission", p.permission().wireName());
        v.put("group_id", p.teamId());
        return v;
    }
}
