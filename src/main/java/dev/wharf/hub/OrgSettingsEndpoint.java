package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.ImageRestrictions;
import dev.wharf.auth.Principal;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET}/{@code PUT /v2/orgs/{name}/settings} (beta contract: {@code restricted_images}), and Wharf's own
 * {@code GET}/{@code PUT /v2/namespaces/{namespace}/badges}, where administrators mark namespaces official or
 * verified publisher, which restricted images may allow. Members read the settings, owners change them;
 * outsiders get the 404 of a missing organization.
 */
final class OrgSettingsEndpoint {
    private final ImageRestrictions restrictions;
    private final AccountService accounts;
    private final OrgGuard guard;
    private final HubAuth auth;
    private final ObjectMapper json;

    OrgSettingsEndpoint(ImageRestrictions restrictions, AccountService accounts, OrgGuard guard, HubAuth auth,
            ObjectMapper json) {
        this.restrictions = restrictions;
        this.accounts = accounts;
        this.guard = guard;
        this.auth = auth;
        this.json = json;
    }

    void get(Context ctx) {
        String org = ctx.pathParam("name");
        guard.read(ctx, org, OrgGuard.Area.SETTINGS);
        write(ctx, restrictions.settings(org));
    }

    void update(Context ctx) {
        String org = ctx.pathParam("name");
        guard.change(ctx, org, OrgGuard.Area.SETTINGS, "change its settings");
        HubBody body = HubBody.parse(ctx, json);
        JsonNode r = body.node("restricted_images");
        if (r == null || !r.isObject()) {
            body.problem("restricted_images", "Must be an object with enabled, allow_official_images and"
                    + " allow_verified_publishers.");
        }
        body.check();
        Boolean enabled = flag(body, r, "enabled");
        Boolean official = flag(body, r, "allow_official_images");
        Boolean verified = flag(body, r, "allow_verified_publishers");
        body.check();
        write(ctx, restrictions.setSettings(org, new ImageRestrictions.Settings(enabled, official, verified)));
    }

    void getBadges(Context ctx) {
        String namespace = adminNamespace(ctx, AccessScope.READ);
        writeBadges(ctx, namespace, restrictions.badges(namespace));
    }

    void updateBadges(Context ctx) {
        String namespace = adminNamespace(ctx, AccessScope.ADMIN);
        HubBody body = HubBody.parse(ctx, json);
        Boolean official = body.optionalBoolean("official");
        Boolean verified = body.optionalBoolean("verified_publisher");
        body.check();
        ImageRestrictions.Badges current = restrictions.badges(namespace);
        ImageRestrictions.Badges updated = restrictions.setBadges(namespace, new ImageRestrictions.Badges(
                official == null ? current.official() : official,
                verified == null ? current.verifiedPublisher() : verified));
        writeBadges(ctx, namespace, updated);
    }

    /** Administrators only; a session from an administrator's access token also needs {@code needed}. */
    private String adminNamespace(Context ctx, AccessScope needed) {
        Principal principal = auth.require(ctx);
        Principal.UserPrincipal user = HubAuth.userOf(principal);
        if (user == null || !user.admin()) {
            throw new HubException(HubError.FORBIDDEN, "Only administrators mark namespaces");
        }
        HubAuth.requireScope(principal, needed, needed == AccessScope.READ ? "reading badges" : "marking namespaces");
        String namespace = ctx.pathParam("namespace");
        if (accounts.namespaceKind(namespace).isEmpty()) {
            throw new HubException(HubError.NOT_FOUND, "Namespace not found");
        }
        return namespace;
    }

    private static Boolean flag(HubBody body, JsonNode r, String field) {
        JsonNode n = r.get(field);
        if (n == null || !n.isBoolean()) {
            body.problem("restricted_images." + field, "This field is required and must be a boolean.");
            return null;
        }
        return n.booleanValue();
    }

    private void write(Context ctx, ImageRestrictions.Settings s) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("enabled", s.enabled());
        r.put("allow_official_images", s.allowOfficialImages());
        r.put("allow_verified_publishers", s.allowVerifiedPublishers());
        HubJson.write(ctx, json, 200, Map.of("restricted_images", r));
    }

    private void writeBadges(Context ctx, String namespace, ImageRestrictions.Badges b) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("namespace", namespace);
        v.put("official", b.official());
        v.put("verified_publisher", b.verifiedPublisher());
        HubJson.write(ctx, json, 200, v);
    }
}
