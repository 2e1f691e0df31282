package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.CreatedToken;
import dev.wharf.auth.IdentityException;
import dev.wharf.auth.OrgAccessToken;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.OrgTokenResource;
import dev.wharf.auth.Page;
import dev.wharf.auth.Principal;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Organization access tokens, {@code /v2/orgs/{name}/access-tokens[/{access_token_id}]} of the current Docker Hub
 * contract. Only the organization's owners manage them, from a password session. Someone outside the
 * organization gets the same 404 as for an organization that does not exist, so names of private organizations
 * cannot be probed; a member who is not an owner gets 403.
 */
final class OrgAccessTokenEndpoint {
    private final OrgAccessTokenService tokens;
    private final AccountService accounts;
    private final HubAuth auth;
    private final ObjectMapper json;

    OrgAccessTokenEndpoint(OrgAccessTokenService tokens, AccountService accounts, HubAuth auth, ObjectMapper json) {
        this.tokens = tokens;
        this.accounts = accounts;
        this.auth = auth;
        this.json = json;
    }

    void create(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        String org = ownedOrg(ctx, "name");
        HubBody body = HubBody.parse(ctx, json);
        String label = body.requiredString("label");
        String description = body.optionalString("description");
        List<OrgTokenResource> resources = resources(body, true);
        Instant expiresAt = body.optionalTime("expires_at");
        body.check();
        CreatedToken<OrgAccessToken> created;
        try {
            created = tokens.create(org, user.userId(), label, description, resources, expiresAt);
        } catch (IdentityException e) {
            throw e.reason() == IdentityException.Reason.INVALID_INPUT ? invalid(e) : e;
        }
        Map<String, Object> view = view(created.token());
        view.put("token", created.secret());
        HubJson.write(ctx, json, 201, view);
    }

    void list(Context ctx) {
        String org = ownedOrg(ctx, "name");
        Pages pages = Pages.of(ctx);
        Page<OrgAccessToken> page = tokens.list(org, pages.page(), pages.pageSize());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", page.count());
        pages.links(ctx, page.count(), body);
        body.put("results", page.results().stream().map(OrgAccessTokenEndpoint::view).toList());
        HubJson.write(ctx, json, 200, body);
    }

    void get(Context ctx) {
        String org = ownedOrg(ctx, "org_name");
        OrgAccessToken token = tokens.get(org, ctx.pathParam("access_token_id"))
                .orElseThrow(OrgAccessTokenEndpoint::tokenNotFound);
        HubJson.write(ctx, json, 200, view(token));
    }

    void update(Context ctx) {
        String org = ownedOrg(ctx, "org_name");
        HubBody body = HubBody.parse(ctx, json);
        String label = body.optionalString("label");
        String description = body.optionalString("description");
        List<OrgTokenResource> resources = resources(body, false);
        Boolean active = body.optionalBoolean("is_active");
        body.check();
        OrgAccessToken token;
        try {
            token = tokens.update(org, ctx.pathParam("access_token_id"), label, description, resources, active);
        } catch (IdentityException e) {
            if (e.reason() == IdentityException.Reason.NOT_FOUND) throw tokenNotFound();
            throw e.reason() == IdentityException.Reason.INVALID_INPUT ? invalid(e) : e;
        }
        HubJson.write(ctx, json, 200, view(token));
    }

    void delete(Context ctx) {
        String org = ownedOrg(ctx, "org_name");
        if (!tokens.delete(org, ctx.pathParam("access_token_id"))) throw tokenNotFound();
        ctx.status(204);
    }

    /** The organization named in the path, if the caller owns it (the session is resolved once per request). */
    private String ownedOrg(Context ctx, String param) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        String org = ctx.pathParam(param);
        OrgRole role = accounts.organizations().roleOf(org, user.userId())
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "Organization not found"));
        if (role != OrgRole.OWNER) {
            throw new HubException(HubError.FORBIDDEN, "Only owners of the organization manage its access tokens");
        }
        return org;
    }

    /** Resource rules are the organization service's; anything not about label or expiry is about resources. */
    private static HubException invalid(IdentityException e) {
        return HubException.invalidInput(e, "resources", "label", "expires_at");
    }

    private static HubException tokenNotFound() {
        return new HubException(HubError.NOT_FOUND, "Access token not found");
    }

    /** {@code orgAccessTokenResource} objects: type, path and scopes each. */
    private static List<OrgTokenResource> resources(HubBody body, boolean required) {
        JsonNode node = body.node("resources");
        if (node == null) {
            if (required) body.problem("resources", "This field is required.");
            return null;
        }
        if (!node.isArray()) {
            body.problem("resources", "Must be a list of resources.");
            return null;
        }
        List<OrgTokenResource> out = new ArrayList<>();
        for (JsonNode item : node) {
            JsonNode type = item.get("type");
            JsonNode path = item.get("path");
            JsonNode scopes = item.get("scopes");
            if (!item.isObject() || type == null || !type.isTextual() || path == null || !path.isTextual()
                    || scopes == null) {
                body.problem("resources", "Each resource needs a type, a path and scopes.");
                return null;
            }
            List<String> scopeList = body.strings("resources", scopes);
            if (scopeList == null) return null;
            try {
                out.add(new OrgTokenResource(OrgTokenResource.parseType(type.textValue()), path.textValue(),
                        scopeList));
            } catch (IdentityException e) {
                body.problem("resources", e.getMessage());
                return null;
            }
        }
        return out;
    }

    /** {@code orgAccessToken} with its {@code description} and {@code resources}; no secret. */
    private static Map<String, Object> view(OrgAccessToken t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", t.id());
        out.put("label", t.label());
        out.put("description", t.description());
        if (t.createdBy() != null) out.put("created_by", t.createdBy()); // null only once its creator is deleted
        out.put("is_active", t.isActive());
        out.put("created_at", HubJson.time(t.createdAt()));
        out.put("expires_at", HubJson.time(t.expiresAt()));
        out.put("last_used_at", HubJson.time(t.lastUsedAt()));
        List<Map<String, Object>> resources = new ArrayList<>();
        for (OrgTokenResource r : t.resources()) {
            Map<String, Object> rv = new LinkedHashMap<>();
            rv.put("type", r.type().name());
            rv.put("path", r.path());
            rv.put("scopes", r.scopes());
            resources.add(rv);
        }
        out.put("resources", resources);
        return out;
    }
}
