package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.NamespaceKind;
import dev.wharf.auth.Principal;
import dev.wharf.webhooks.Delivery;
import dev.wharf.webhooks.Webhook;
import dev.wharf.webhooks.WebhookEvent;
import dev.wharf.webhooks.WebhookException;
import dev.wharf.webhooks.WebhookService;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Webhook pipelines. {@code /v2/repositories/{namespace}/{repository}/webhook_pipeline/...} has Docker Hub's
 * shape (create with {@code name} and {@code webhooks: [{name, hook_url}]}, list, get, delete by slug);
 * {@code /v2/namespaces/{namespace}/webhook_pipeline/...} (hooks for every repository of a namespace), the
 * {@code events} field, the {@code secret} shown once, the delivery log and redelivery are Wharf's additions
 * (docs/hub-api.md). Only administrators of the repository, or owners of the namespace, see or change hooks:
 * their URLs can carry credentials of the receiver.
 */
final class WebhookEndpoint {
    private final WebhookService service;
    private final RepositoryLookup lookup;
    private final OrgGuard orgGuard;
    private final AccountService accounts;
    private final HubAuth auth;
    private final ObjectMapper json;

    WebhookEndpoint(WebhookService service, RepositoryLookup lookup, OrgGuard orgGuard, AccountService accounts,
            HubAuth auth, ObjectMapper json) {
        this.service = service;
        this.lookup = lookup;
        this.orgGuard = orgGuard;
        this.accounts = accounts;
        this.auth = auth;
        this.json = json;
    }

    /** Which hooks a path names: a repository's, or a namespace's own. */
    private record Scope(String namespace, String repository, String creator) {}

    private Scope scope(Context ctx) {
        Principal principal = auth.require(ctx);
        String namespace = ctx.pathParam("namespace");
        if (ctx.pathParamMap().containsKey("repository")) {
            String repository = lookup.administered(ctx, principal).name();
            return new Scope(namespace, repository, HubAuth.actorName(principal));
        }
        NamespaceKind kind = accounts.namespaceKind(namespace).orElseThrow(RepositoryLookup::notFound);
        if (kind == NamespaceKind.ORG) {
            // An organization's hooks are part of its settings: owners, with a password session or repo:admin.
            orgGuard.change(ctx, namespace, OrgGuard.Area.SETTINGS, "may manage its webhooks");
            return new Scope(namespace, "", HubAuth.actorName(principal));
        }
        Principal.UserPrincipal user = HubAuth.userOf(principal);
        if (user == null || !user.username().equals(namespace)) throw RepositoryLookup.notFound();
        HubAuth.requireScope(principal, AccessScope.ADMIN, "managing webhooks");
        return new Scope(namespace, "", user.username());
    }

    void create(Context ctx) {
        Scope scope = scope(ctx);
        HubBody body = HubBody.parse(ctx, json);
        String name = body.requiredString("name");
        List<WebhookService.Target> targets = new ArrayList<>();
        JsonNode hooks = body.node("webhooks");
        if (hooks == null || !hooks.isArray()) {
            body.problem("webhooks", "This field is required: a list of {\"name\", \"hook_url\"}.");
        } else {
            for (JsonNode hook : hooks) {
                JsonNode url = hook.get("hook_url");
                JsonNode hookName = hook.get("name");
                if (!hook.isObject() || url == null || !url.isTextual()
                        || (hookName != null && !hookName.isNull() && !hookName.isTextual())) {
                    body.problem("webhooks", "Each webhook needs a hook_url string and may have a name string.");
                    break;
                }
                targets.add(new WebhookService.Target(hookName == null || hookName.isNull() ? null : hookName.textValue(),
                        url.textValue()));
            }
        }
        List<WebhookEvent> events = new ArrayList<>();
        List<String> eventNames = body.stringList("events", false);
        if (eventNames != null) {
            for (String e : eventNames) {
                WebhookEvent.byWireName(e).ifPresentOrElse(events::add, () -> body.problem("events",
                        "Unknown event; known: push, tag.deleted, image.deleted, import.completed, import.failed,"
                                + " build.completed, build.failed."));
            }
        }
        body.optionalBoolean("expect_final_callback");
        body.check();
        WebhookService.Created created = call(() -> service.create(scope.namespace(), scope.repository(), name,
                targets, events, scope.creator()));
        Map<String, Object> view = view(created.pipeline());
        view.put("secret", created.secret());
        HubJson.write(ctx, json, 201, view);
    }

    void list(Context ctx) {
        Scope scope = scope(ctx);
        Pages pages = Pages.of(ctx);
        List<WebhookService.Pipeline> all = service.list(scope.namespace(), scope.repository());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", all.size());
        pages.links(ctx, all.size(), body);
        body.put("results", all.stream().skip(pages.offset()).limit(pages.pageSize()).map(WebhookEndpoint::view)
                .toList());
        HubJson.write(ctx, json, 200, body);
    }

    void get(Context ctx) {
        Scope scope = scope(ctx);
        HubJson.write(ctx, json, 200, view(call(() -> service.get(scope.namespace(), scope.repository(),
                ctx.pathParam("slug")))));
    }

    void delete(Context ctx) {
        Scope scope = scope(ctx);
        call(() -> {
            service.delete(scope.namespace(), scope.repository(), ctx.pathParam("slug"));
            return null;
        });
        ctx.status(204);
    }

    void deliveries(Context ctx) {
        Scope scope = scope(ctx);
        Pages pages = Pages.of(ctx);
        WebhookService.DeliveryPage page = call(() -> service.deliveries(scope.namespace(), scope.repository(),
                ctx.pathParam("slug"), pages.offset(), pages.pageSize()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", page.count());
        pages.links(ctx, page.count(), body);
        body.put("results", page.deliveries().stream().map(WebhookEndpoint::view).toList());
        HubJson.write(ctx, json, 200, body);
    }

    void redeliver(Context ctx) {
        Scope scope = scope(ctx);
        String id = call(() -> service.redeliver(scope.namespace(), scope.repository(), ctx.pathParam("slug"),
                ctx.pathParam("delivery")));
        HubJson.write(ctx, json, 202, Map.of("id", id, "state", Delivery.State.PENDING.wire()));
    }

    private static <T> T call(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (WebhookException e) {
            throw switch (e.reason()) {
                case INVALID -> HubException.invalidField(e.field(), e.getMessage());
                case NOT_FOUND -> new HubException(HubError.NOT_FOUND, e.getMessage());
                case CONFLICT -> new HubException(HubError.CONFLICT, e.getMessage());
            };
        }
    }

    /** Docker Hub's pipeline object, with Wharf's {@code events}. */
    private static Map<String, Object> view(WebhookService.Pipeline p) {
        Webhook first = p.hooks().get(0);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", p.name());
        v.put("slug", p.slug());
        v.put("expect_final_callback", false);
        v.put("events", first.events().stream().map(WebhookEvent::wireName).toList());
        v.put("webhooks", p.hooks().stream().map(w -> {
            Map<String, Object> hook = new LinkedHashMap<>();
            hook.put("id", w.id());
            hook.put("name", w.name());
            hook.put("hook_url", w.url());
            hook.put("created", HubJson.time(w.createdAt()));
            hook.put("creator", w.creator());
            return hook;
        }).toList());
        v.put("creator", first.creator());
        v.put("created", HubJson.time(first.createdAt()));
        v.put("last_updated", HubJson.time(first.updatedAt()));
        return v;
    }

    private static Map<String, Object> view(Delivery d) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", d.id());
        v.put("webhook_id", d.webhookId());
        v.put("event", d.event().wireName());
        v.put("state", d.state().wire());
        v.put("attempts", d.attempts());
        v.put("created", HubJson.time(d.createdAt()));
        v.put("updated", HubJson.time(d.updatedAt()));
        v.put("payload", d.payload());
        v.put("log", d.log().stream().map(a -> {
            Map<String, Object> attempt = new LinkedHashMap<>();
            attempt.put("attempt", a.number());
            attempt.put("at", HubJson.time(a.at()));
            attempt.put("status", a.status());
            attempt.put("duration_ms", a.durationMillis());
            attempt.put("response_excerpt", a.responseExcerpt());
            attempt.put("error", a.error());
            return attempt;
        }).toList());
        return v;
    }
}
