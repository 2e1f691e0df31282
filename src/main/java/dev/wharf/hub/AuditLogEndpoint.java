package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditEvent;
import dev.wharf.audit.AuditQuery;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.Principal;
import dev.wharf.storage.meta.AuditLog;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /v2/auditlogs/{account}} and {@code .../actions} of the beta contract. A user reads their own
 * account's log, an organization's owners read the organization's; to everyone else the account answers like
 * one that does not exist (404), so the log cannot be used to probe names.
 */
final class AuditLogEndpoint {
    private static final Map<String, String> GROUP_LABELS =
            Map.of("repo", "Repository", "org", "Organization", "account", "Account");

    private final AuditLog log;
    private final AccountService accounts;
    private final HubAuth auth;
    private final ObjectMapper json;

    AuditLogEndpoint(AuditLog log, AccountService accounts, HubAuth auth, ObjectMapper json) {
        this.log = log;
        this.accounts = accounts;
        this.auth = auth;
        this.json = json;
    }

    void list(Context ctx) {
        String account = readableAccount(ctx);
        String action = ctx.queryParam("action");
        if (action != null && !action.isEmpty() && AuditAction.byWireName(action).isEmpty()) {
            throw HubException.invalidField("action", "Unknown action; GET /v2/auditlogs/{account}/actions lists"
                    + " them.");
        }
        Instant from = time(ctx, "from");
        Instant to = time(ctx, "to");
        Pages pages = Pages.of(ctx, 25);
        List<AuditEvent> events = log.list(new AuditQuery(account, blankToNull(action),
                blankToNull(ctx.queryParam("name")), blankToNull(ctx.queryParam("actor")), from, to, pages.page(),
                pages.pageSize()));
        List<Map<String, Object>> logs = new ArrayList<>();
        for (AuditEvent e : events) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("account", e.account());
            v.put("action", e.action());
            v.put("name", e.name());
            v.put("actor", e.actor());
            v.put("data", e.data());
            v.put("timestamp", HubJson.time(e.timestamp()));
            v.put("action_description", e.description());
            logs.add(v);
        }
        HubJson.write(ctx, json, 200, Map.of("logs", logs));
    }

    void actions(Context ctx) {
        readableAccount(ctx);
        Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
        for (AuditAction a : AuditAction.values()) {
            Map<String, Object> group = groups.computeIfAbsent(a.group(), g -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("actions", new ArrayList<Map<String, String>>());
                m.put("label", GROUP_LABELS.getOrDefault(g, g));
                return m;
            });
            @SuppressWarnings("unchecked")
            List<Map<String, String>> list = (List<Map<String, String>>) group.get("actions");
            list.add(Map.of("name", a.wireName(), "label", a.label(),
                    "description", "contains " + a.label().toLowerCase(Locale.ROOT) + " events"));
        }
        HubJson.write(ctx, json, 200, Map.of("actions", groups));
    }

    /** The account in the path, if the caller may read its log. */
    private String readableAccount(Context ctx) {
        Principal principal = auth.require(ctx);
        String account = ctx.pathParam("account");
        Principal.UserPrincipal user = HubAuth.userOf(principal);
        boolean allowed = user != null && (user.username().equals(account)
                || accounts.organizations().roleOf(account, user.userId()).orElse(null) == OrgRole.OWNER);
        if (!allowed) throw new HubException(HubError.NOT_FOUND, "Account not found");
        HubAuth.requireScope(principal, AccessScope.READ, "reading an audit log");
        return account;
    }

    private static Instant time(Context ctx, String name) {
        String text = blankToNull(ctx.queryParam(name));
        if (text == null) return null;
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw HubException.invalidField(name, "Must be an RFC 3339 date-time such as 2030-01-31T12:00:00Z.");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
