package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.Principal;
import dev.wharf.storage.meta.ImmutableTagException;
import dev.wharf.model.UserPattern;
import dev.wharf.storage.meta.ImmutableTags;
import dev.wharf.storage.meta.RepositoryCatalog;
import dev.wharf.storage.meta.TagQuery;
import dev.wharf.storage.meta.TagRecord;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tags of a repository ({@code .../tags[/{tag}]}) for whoever may pull it, and its immutable-tags policy
 * ({@code .../immutabletags}, {@code .../immutabletags/verify}) for its administrators. The registry enforces
 * the policy on push.
 */
final class TagEndpoint {
    private static final Duration ACTIVE_WINDOW = Duration.ofDays(30);

    private final HubServices services;
    private final RepositoryCatalog catalog;
    private final RepositoryLookup lookup;
    private final HubAuth auth;
    private final ObjectMapper json;
    private final Clock clock;

    TagEndpoint(HubServices services, HubAuth auth, ObjectMapper json, Clock clock) {
        this.services = services;
        this.catalog = services.catalog();
        this.lookup = new RepositoryLookup(services);
        this.auth = auth;
        this.json = json;
        this.clock = clock;
    }

    /**
     * The tag list of both paths ({@code /v2/namespaces/…/tags} and the older {@code /v2/repositories/…/tags/}):
     * {@code name} keeps the tags whose name contains it, {@code ordering} is one of Docker Hub's four (default:
     * by name); filtered, ordered and paged in SQL.
     */
    void list(Context ctx) {
        RepositoryLookup.Found repo = lookup.visible(ctx, auth.optional(ctx));
        TagQuery.Order order = order(ctx.queryParam("ordering"));
        Pages pages = Pages.capped(ctx);
        String name = ctx.queryParam("name");
        TagQuery query = new TagQuery(name, order, pages.offset(), pages.pageSize());
        long count = catalog.tagCount(repo.name(), query.name());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", count);
        pages.links(ctx, count, body);
        body.put("results", catalog.tags(repo.name(), query).stream().map(t -> view(repo.summary().id(), t))
                .toList());
        HubJson.write(ctx, json, 200, body);
    }

    private static TagQuery.Order order(String ordering) {
        if (ordering == null || ordering.isEmpty()) return TagQuery.Order.NAME;
        for (TagQuery.Order o : TagQuery.Order.values()) {
            if (o.parameter().equals(ordering)) return o;
        }
        throw HubException.invalidField("ordering", "Invalid ordering value. Must be one of: " + String.join(", ",
                Arrays.stream(TagQuery.Order.values()).map(TagQuery.Order::parameter).toList()));
    }

    /**
     * Docker Hub's {@code DELETE /v2/repositories/{namespace}/{repository}/tags/{tag}/}: repository administrators
     * only (as a registry DELETE needs); the manifest stays. Refused for a tag the immutable-tags policy protects.
     */
    void delete(Context ctx) {
        RepositoryLookup.Found repo = lookup.administered(ctx, auth.require(ctx));
        String tag = HubPath.param(ctx, "tag");
        boolean deleted;
        try {
            deleted = services.meta().deleteMutableTag(repo.name(), tag, clock.instant());
        } catch (ImmutableTagException e) {
            throw new HubException(HubError.FORBIDDEN, "The tag " + tag + " is immutable in this repository and"
                    + " cannot be deleted; turn immutable tags off first");
        }
        if (!deleted) throw new HubException(HubError.NOT_FOUND, "Tag not found");
        ctx.status(204);
    }

    /**
     * HEAD of the tag list: 404 when the repository has no tags (the contract's "Repository contains tags"), else
     * the GET's status and headers (Content-Type, Content-Length); the server sends no body for a HEAD.
     */
    void headTags(Context ctx) {
        RepositoryLookup.Found repo = lookup.visible(ctx, auth.optional(ctx));
        if (catalog.tagCount(repo.name()) == 0) throw new HubException(HubError.NOT_FOUND, "No tags");
        list(ctx);
    }

    void get(Context ctx) {
        RepositoryLookup.Found repo = lookup.visible(ctx, auth.optional(ctx));
        TagRecord tag = catalog.tag(repo.name(), HubPath.param(ctx, "tag"))
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "Tag not found"));
        HubJson.write(ctx, json, 200, view(repo.summary().id(), tag));
    }

    void updateImmutableTags(Context ctx) {
        Principal principal = auth.require(ctx);
        RepositoryLookup.Found repo = lookup.administered(ctx, principal);
        HubBody body = HubBody.parse(ctx, json);
        Boolean enabled = body.optionalBoolean("immutable_tags");
        if (enabled == null && body.node("immutable_tags") == null) body.problem("immutable_tags",
                "This field is required.");
        List<String> rules = body.stringList("immutable_tags_rules", true);
        body.check();
        ImmutableTags policy;
        try {
            policy = new ImmutableTags(enabled, rules);
        } catch (IllegalArgumentException e) {
            throw HubException.invalidField("immutable_tags_rules", e.getMessage());
        }
        services.meta().setImmutableTags(repo.name(), policy, clock.instant());
        HubJson.write(ctx, json, 200, lookup.info(repo.name(), principal));
    }

    void verifyImmutableTags(Context ctx) {
        RepositoryLookup.Found repo = lookup.administered(ctx, auth.require(ctx));
        HubBody body = HubBody.parse(ctx, json);
        String regex = body.requiredString("regex");
        body.check();
        UserPattern pattern;
        try {
            pattern = UserPattern.compile(regex);
        } catch (IllegalArgumentException e) {
            throw HubException.invalidField("regex", "Not a valid regular expression: " + e.getMessage());
        }
        List<String> matching = catalog.tagNames(repo.name()).stream().filter(pattern::matchesWhole).toList();
        HubJson.write(ctx, json, 200, Map.of("tags", matching));
    }

    /** Docker Hub's {@code tag}, plus the {@code digest} and {@code media_type} Docker Hub also sends. */
    private Map<String, Object> view(long repositoryId, TagRecord t) {
        Instant cutoff = clock.instant().minus(ACTIVE_WINDOW);
        boolean active = t.updatedAt().isAfter(cutoff) || (t.lastPulled() != null && t.lastPulled().isAfter(cutoff));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", t.name());
        v.put("digest", t.digest().toString());
        v.put("media_type", t.mediaType());
        v.put("repository", repositoryId);
        v.put("full_size", t.size());
        v.put("last_updated", HubJson.time(t.updatedAt()));
        v.put("status", active ? "active" : "inactive");
        v.put("tag_last_pushed", HubJson.time(t.updatedAt()));
        v.put("tag_last_pulled", HubJson.time(t.lastPulled()));
        return v;
    }
}
