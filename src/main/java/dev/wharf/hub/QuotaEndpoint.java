package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.NamespaceKind;
import dev.wharf.auth.Principal;
import dev.wharf.quota.Quota;
import dev.wharf.quota.QuotaStore;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wharf's quota endpoints (docs/hub-api.md, "Quotas"): {@code GET /v2/namespaces/{namespace}/quota} for the
 * namespace's members (the user, an organization's members) and server administrators;
 * {@code PUT}/{@code DELETE} of it and {@code GET /v2/admin/quotas} (namespaces by usage) for server
 * administrators only.
 */
final class QuotaEndpoint {
    private final QuotaStore quotas;
    private final AccountService accounts;
    private final HubAuth auth;
    private final ObjectMapper json;
    private final Clock clock;

    QuotaEndpoint(QuotaStore quotas, AccountService accounts, HubAuth auth, ObjectMapper json, Clock clock) {
        this.quotas = quotas;
        this.accounts = accounts;
        this.auth = auth;
        this.json = json;
        this.clock = clock;
    }

    void get(Context ctx) {
        String namespace = ctx.pathParam("namespace");
        Principal principal = auth.require(ctx);
        HubAuth.requireScope(principal, AccessScope.READ, "reading a namespace's quota");
        Principal.UserPrincipal user = HubAuth.userOf(principal);
        NamespaceKind kind = accounts.namespaceKind(namespace).orElseThrow(QuotaEndpoint::notFound);
        boolean member = user != null && (user.admin()
                || (kind == NamespaceKind.USER ? user.username().equals(namespace)
                        : accounts.organizations().roleOf(namespace, user.userId()).isPresent()));
        boolean ownOrgToken = principal instanceof Principal.OrgToken t && t.org().equals(namespace);
        if (!member && !ownOrgToken) throw notFound(); // outsiders learn nothing, not even that it exists
        HubJson.write(ctx, json, 200, view(quotas.get(namespace)));
    }

    void put(Context ctx) {
        Principal.UserPrincipal admin = requireAdmin(ctx, AccessScope.ADMIN, "setting quotas");
        String namespace = ctx.pathParam("namespace");
        accounts.namespaceKind(namespace).orElseThrow(QuotaEndpoint::notFound);
        HubBody body = HubBody.parse(ctx, json);
        Long bytes = limit(body, "limit_bytes");
        Long repositories = limit(body, "limit_repositories");
        Long warn = limit(body, "warn_percent");
        if (warn != null && (warn < 1 || warn > 100)) body.problem("warn_percent", "Must be from 1 to 100.");
        body.check();
        Quota q = quotas.set(namespace, bytes, repositories, warn == null ? 80 : warn.intValue(), admin.username(),
                clock.instant());
        HubJson.write(ctx, json, 200, view(q));
    }

    void delete(Context ctx) {
        requireAdmin(ctx, AccessScope.ADMIN, "removing quotas");
        String namespace = ctx.pathParam("namespace");
        if (!quotas.remove(namespace, clock.instant())) throw notFound();
        ctx.status(204);
    }

    /** Namespaces by usage, largest first. */
    void overview(Context ctx) {
        requireAdmin(ctx, AccessScope.READ, "listing namespaces by usage");
        Pages pages = Pages.of(ctx, 25);
        List<Map<String, Object>> results = quotas.byUsage((int) pages.offset(), pages.pageSize()).stream()
                .map(QuotaEndpoint::view).toList();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", quotas.namespacesStoring());
        out.put("results", results);
        HubJson.write(ctx, json, 200, out);
    }

    private Principal.UserPrincipal requireAdmin(Context ctx, AccessScope needed, String what) {
        Principal principal = auth.require(ctx);
        Principal.UserPrincipal user = HubAuth.userOf(principal);
        if (user == null || !user.admin()) {
            throw new HubException(HubError.FORBIDDEN, "Only server administrators may do " + what);
        }
        HubAuth.requireScope(principal, needed, what);
        return user;
    }

    /** A non-negative whole number, or null (absent or JSON null: no limit). */
    private static Long limit(HubBody body, String field) {
        JsonNode n = body.node(field);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            body.problem(field, "Must be a whole number of 0 or more, or null for no limit.");
            return null;
        }
        return n.longValue();
    }

    static Map<String, Object> view(Quota q) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("namespace", q.namespace());
        v.put("limit_bytes", q.limitBytes());
        v.put("used_bytes", q.usedBytes());
        v.put("used_percent", q.limitBytes() == null || q.limitBytes() == 0 ? null
                : Math.round(q.usedBytes() * 1000.0 / q.limitBytes()) / 10.0);
        v.put("limit_repositories", q.limitRepositories());
        v.put("repositories", q.repositories());
        v.put("warn_percent", q.warnPercent());
        v.put("warned_at", q.warnedAt() == null ? null : HubJson.time(q.warnedAt()));
        return v;
    }

    private static HubException notFound() {
        return new HubException(HubError.NOT_FOUND, "Namespace not found");
    }
}
