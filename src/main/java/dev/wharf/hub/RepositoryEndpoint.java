package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.Action;
import dev.wharf.auth.Principal;
import dev.wharf.model.RepositoryName;
import dev.wharf.storage.meta.ImmutableTagException;
import dev.wharf.storage.meta.RepositorySummary;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Repositories of a namespace: list, create and read ({@code /v2/namespaces/{namespace}/repositories[/{repository}]}
 * of the current contract, and the same handlers behind Docker Hub's older {@code /v2/repositories/{namespace}/…}
 * paths), delete (older path only), and the beta contract's {@code PATCH /v2/repositories/{namespace}/{repository}/}
 * (descriptions and privacy). Lists hold only what the caller may pull.
 */
final class RepositoryEndpoint {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final List<String> ORDERINGS =
            List.of("name", "-name", "last_updated", "-last_updated", "pull_count", "-pull_count");
    static final int MAX_DESCRIPTION = 100;
    static final int MAX_FULL_DESCRIPTION = 25_000;

    private final HubServices services;
    private final AccountService accounts;
    private final RepositoryLookup lookup;
    private final HubAuth auth;
    private final ObjectMapper json;
    private final Clock clock;

    RepositoryEndpoint(HubServices services, AccountService accounts, HubAuth auth, ObjectMapper json, Clock clock) {
        this.services = services;
        this.accounts = accounts;
        this.lookup = new RepositoryLookup(services);
        this.auth = auth;
        this.json = json;
        this.clock = clock;
    }

    void list(Context ctx) {
        Principal principal = auth.optional(ctx);
        String namespace = ctx.pathParam("namespace");
        String ordering = ctx.queryParam("ordering");
        if (ordering != null && !ordering.isEmpty() && !ORDERINGS.contains(ordering)) {
            throw HubException.invalidField("ordering", "Invalid ordering value. Must be one of: "
                    + String.join(", ", ORDERINGS));
        }
        Pages pages = Pages.capped(ctx);
        if (accounts.namespaceKind(namespace).isEmpty() && !services.mirrors().isMirror(namespace)) {
            throw RepositoryLookup.notFound();
        }
        String filter = ctx.queryParam("name");
        // A bounded number of statements however large the namespace or the page: the summaries in one, what the
        // caller may do in a few more (the rules stay in Permissions), privacy for the page's entries in one.
        List<RepositorySummary> all = services.catalog().summariesIn(namespace, filter);
        Map<String, java.util.Set<dev.wharf.auth.Action>> allowed = services.access().allowedIn(principal, namespace,
                all.stream().map(RepositorySummary::name).toList());
        List<RepositorySummary> visible = new ArrayList<>(all.stream()
                .filter(s -> allowed.get(s.name()).contains(dev.wharf.auth.Action.PULL)).toList());
        visible.sort(order(ordering));
        if (pages.page() > 1 && pages.offset() >= visible.size()) {
            throw new HubException(HubError.NOT_FOUND, "Invalid page.");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", visible.size());
        pages.links(ctx, visible.size(), body);
        List<RepositorySummary> page = visible.stream().skip(pages.offset()).limit(pages.pageSize()).toList();
        Map<String, Boolean> privacy = services.settings().privacyIn(namespace,
                page.stream().map(RepositorySummary::name).toList());
        body.put("results", page.stream().map(s -> RepositoryViews.listEntry(s, privacy.get(s.name()),
                services.mirrors().describe(s.name()).orElse(null))).toList());
        HubJson.write(ctx, json, 200, body);
    }

    void create(Context ctx) {
        Principal principal = auth.require(ctx);
        String namespace = ctx.pathParam("namespace");
        HubBody body = HubBody.parse(ctx, json);
        String name = body.requiredString("name");
        String bodyNamespace = body.requiredString("namespace");
        String description = body.optionalString("description");
        String full = body.optionalString("full_description");
        body.optionalString("registry");
        Boolean isPrivate = body.optionalBoolean("is_private");
        if (name != null && (name.length() < 2 || name.length() > 255 || !NAME.matcher(name).matches())) {
            body.problem("name", "Must be 2 to 255 lowercase letters, digits and single separators (. _ -) between"
                    + " them.");
        }
        if (bodyNamespace != null && !bodyNamespace.equals(namespace)) {
            body.problem("namespace", "Must be the namespace of the path.");
        }
        checkDescriptions(body, description, full);
        body.check();
        String repository = namespace + "/" + name;
        if (!RepositoryName.isValid(repository) || accounts.namespaceKind(namespace).isEmpty()) {
            throw RepositoryLookup.notFound(); // e.g. an upper-case namespace: never a repository name
        }
        if (!services.access().allowed(principal, repository).contains(Action.PUSH)) {
            throw new HubException(HubError.FORBIDDEN, "You may not create repositories in this namespace");
        }
        if (services.meta().findRepository(repository).isPresent()) {
            throw HubException.invalidField("name", "A repository with this name already exists.");
        }
        Instant now = clock.instant();
        services.meta().ensureRepository(repository, now);
        if (isPrivate != null && isPrivate != services.settings().isPrivate(repository)) {
            Principal.UserPrincipal user = HubAuth.userOf(principal);
            services.settings().setPrivate(repository, isPrivate, user == null ? null : user.userId());
        }
        services.catalog().setDescriptions(repository, description, full, now);
        HubJson.write(ctx, json, 201, info(repository, principal));
    }

    void get(Context ctx) {
        Principal principal = auth.optional(ctx);
        RepositoryLookup.Found found = lookup.visible(ctx, principal);
        HubJson.write(ctx, json, 200, info(found.name(), principal));
    }

    /**
     * Docker Hub's {@code DELETE /v2/repositories/{namespace}/{repository}/}: repository administrators only; 202
     * as Docker Hub answers. Everything of the repository goes at once (see
     * {@link dev.wharf.storage.meta.MetadataStore#deleteRepository}); its blobs are left to the collector.
     * Refused while a tag the immutable-tags policy protects is in it.
     */
    void delete(Context ctx) {
        RepositoryLookup.Found found = lookup.administered(ctx, auth.require(ctx));
        boolean deleted;
        try {
            deleted = services.meta().deleteRepository(found.name(), clock.instant());
        } catch (ImmutableTagException e) {
            throw new HubException(HubError.FORBIDDEN, "The repository holds the immutable tag " + e.tag()
                    + "; turn immutable tags off before deleting it");
        }
        if (!deleted) throw RepositoryLookup.notFound(); // deleted by someone else meanwhile
        ctx.status(202);
    }

    /** Beta {@code PATCH /v2/repositories/{namespace}/{repository}/}: repository administrators only. */
    void update(Context ctx) {
        Principal principal = auth.require(ctx);
        RepositoryLookup.Found found = lookup.administered(ctx, principal);
        HubBody body = HubBody.parse(ctx, json);
        String description = body.optionalString("description");
        String full = body.optionalString("full_description");
        Boolean isPrivate = body.optionalBoolean("is_private");
        checkDescriptions(body, description, full);
        body.check();
        services.catalog().setDescriptions(found.name(), description, full, clock.instant());
        if (isPrivate != null && isPrivate != services.settings().isPrivate(found.name())) {
            Principal.UserPrincipal user = HubAuth.userOf(principal);
            services.settings().setPrivate(found.name(), isPrivate, user == null ? null : user.userId());
        }
        HubJson.write(ctx, json, 200, info(found.name(), principal));
    }

    private Map<String, Object> info(String repository, Principal principal) {
        return lookup.info(repository, principal);
    }

    private static void checkDescriptions(HubBody body, String description, String full) {
        if (description != null && description.length() > MAX_DESCRIPTION) {
            body.problem("description", "At most " + MAX_DESCRIPTION + " characters.");
        }
        if (full != null && full.length() > MAX_FULL_DESCRIPTION) {
            body.problem("full_description", "At most " + MAX_FULL_DESCRIPTION + " characters.");
        }
    }

    private static Comparator<RepositorySummary> order(String ordering) {
        String key = ordering == null || ordering.isEmpty() ? "name" : ordering;
        Comparator<RepositorySummary> c = switch (key.replace("-", "")) {
            case "last_updated" -> Comparator.comparing(RepositoryViews::lastUpdated);
            case "pull_count" -> Comparator.comparingLong(RepositorySummary::pullCount);
            default -> Comparator.comparing(RepositorySummary::name);
        };
        c = key.startsWith("-") ? c.reversed() : c;
        return c.thenComparing(RepositorySummary::name);
    }
}
