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
import java.util.Map;

/**
 * {@code POST /v2/repositories/{namespace}/{repository}/groups}: gives one of the organization's groups read,
 * write or admin on a repository of the organization. Repository administrators only.
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
        Team team = accounts.listTeams(org).stream().filter(t -> t.id() == groupId).findFirst()
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "Group not found"));
        TeamRepositoryPermission granted = accounts.setTeamPermission(org, team.name(), repo.name(), permission);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("group_name", granted.team());
        v.put("permission", granted.permission().wireName());
        v.put("group_id", granted.teamId());
        HubJson.write(ctx, json, 200, v);
    }
}
