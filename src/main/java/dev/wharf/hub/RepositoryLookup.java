package dev.wharf.hub;

import dev.wharf.auth.AccessControl;
import dev.wharf.auth.Action;
import dev.wharf.auth.Principal;
import dev.wharf.model.RepositoryName;
import dev.wharf.storage.meta.RepositoryCatalog;
import dev.wharf.storage.meta.RepositorySummary;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Set;

/**
 * The repository a Hub path names ({@code namespace} and {@code repository} parameters), checked against the
 * caller's rights. A repository the caller cannot pull answers exactly like a missing one (404); one it can see
 * but not administer is a 403 where administration is needed.
 */
final class RepositoryLookup {
    private final HubServices services;
    private final RepositoryCatalog catalog;
    private final AccessControl access;

    RepositoryLookup(HubServices services) {
        this.services = services;
        this.catalog = services.catalog();
        this.access = services.access();
    }

    record Found(RepositorySummary summary, Set<Action> allowed) {
        String name() {
            return summary.name();
        }
    }

    static String name(Context ctx) {
        return ctx.pathParam("namespace") + "/" + HubPath.param(ctx, "repository");
    }

    /** @throws HubException NOT_FOUND when missing or not visible to the principal */
    Found visible(Context ctx, Principal principal) {
        String name = name(ctx);
        if (!RepositoryName.isValid(name)) throw notFound();
        Set<Action> allowed = access.allowed(principal, name);
        if (!allowed.contains(Action.PULL)) throw notFound();
        RepositorySummary summary = catalog.summary(name).orElseThrow(RepositoryLookup::notFound);
        return new Found(summary, allowed);
    }

    /** @throws HubException FORBIDDEN when visible without the admin right (delete), NOT_FOUND as above */
    Found administered(Context ctx, Principal principal) {
        Found found = visible(ctx, principal);
        if (!found.allowed().contains(Action.DELETE)) {
            throw new HubException(HubError.FORBIDDEN, "Only administrators of the repository may do this");
        }
        return found;
    }

    /** {@code repository_info} of a repository as the principal sees it. */
    Map<String, Object> info(String repository, Principal principal) {
        RepositorySummary s = catalog.summary(repository).orElseThrow(RepositoryLookup::notFound);
        return RepositoryViews.info(s, services.settings().isPrivate(repository),
                services.meta().immutableTags(repository), access.allowed(principal, repository),
                services.mirrors().describe(repository).orElse(null));
    }

    static HubException notFound() {
        return new HubException(HubError.NOT_FOUND, "Object not found");
    }
}
