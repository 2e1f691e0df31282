package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    private final AdministeredScope scopes;
    private final ObjectMapper json;

    WebhookEndpoint(WebhookService service, AdministeredScope scopes, ObjectMapper json) {
        this.service = service;
        this.scopes = scopes;
        this.json = json;
    }

    /** Which hooks a path names: a repository's, or a namespace's own. */
    private AdministeredScope.Scope scope(Context ctx) {
        return scopes.of(ctx, "webhooks");
    }

    void create(Context ctx) {
        AdministeredScope.Scope scope = scope(ctx);
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
                targets, events, scope.actor()));
        Map<String, Object> view = view(created.pipeline());
        view.put("secret", created.secret());
        HubJson.write(ctx, json, 201, view);
    }

    void list(Context ctx) {
        AdministeredScope.Scope scope = scope(ctx);
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
        AdministeredScope.Scope scope = scope(ctx);
        HubJson.write(ctx, json, 200, view(call(() -> service.get(scope.namespace(), scope.repository(),
                HubPath.param(ctx, "slug")))));
    }

    void delete(Context ctx) {
        AdministeredScope.Scope scope = scope(ctx);
        call(() -> {
            service.delete(scope.namespace(), scope.repository(), HubPath.param(ctx, "slug"));
            return null;
        });
        ctx.status(204);
    }

    void deliveries(Context ctx) {
        AdministeredScope.Scope scope = scope(ctx);
        Pages pages = Pages.of(ctx);
        WebhookService.DeliveryPage page = call(() -> service.deliveries(scope.namespace(), scope.repository(),
                HubPath.param(ctx, "slug"), pages.offset(), pages.pageSize()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", page.count());
        pages.links(ctx, page.count(), body);
        body.put("results", page.deliveries().stream().map(WebhookEndpoint::view).toList());
        HubJson.write(ctx, json, 200, body);
    }

    void redeliver(Context ctx) {
        AdministeredScope.Scope scope = scope(ctx);
        String id = call(() -> service.redeliver(scope.namespace(), scope.repository(), HubPath.param(ctx, "slug"),
                HubPath.param(ctx, "delivery")));
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
