package dev.wharf.search;

import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AuthorizationEpoch;
import dev.wharf.auth.GenerationCache;
import dev.wharf.auth.ImageRestrictions;
import dev.wharf.auth.OrgTokenResource;
import dev.wharf.auth.Principal;
import dev.wharf.storage.meta.RepositorySearchStore;
import dev.wharf.storage.meta.RepositorySearchStore.Filter;
import java.time.Clock;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Repository search rules: which repositories a caller may find (exactly those it may pull, so a private
 * repository never shows to anyone outside it, see {@link dev.wharf.auth.Permissions}, and an organization's
 * restricted images hide what its members may not pull, see {@link ImageRestrictions}), what a query may be,
 * and paging. The matching and ranking are {@link RepositorySearchStore}'s.
 *
 * <p>What a user may pull beyond public repositories (organizations, team grants, restricted images) is read once
 * and cached, like the registry's authorization answers: each entry carries the {@link AuthorizationEpoch}
 * generation it was read under and is used only while that generation is current and the epoch fresh, so a change
 * of memberships, teams or restrictions counts at once on this node and within the epoch's bound on others.
 */
public final class RepositorySearch {
    public static final int MAX_QUERY_LENGTH = 255;
    public static final int MAX_PAGE_SIZE = 100;
    private static final long MAX_CACHED_USERS = 10_000;

    /** A user's pull rights beyond public repositories, and the namespaces restricted images leave them (if any). */
    private record UserAccess(RepositorySearchStore.Grants grants, Optional<Set<String>> pullable) {}

    private final RepositorySearchStore store;
    private final ImageRestrictions restrictions;
    private final boolean authEnabled;
    private final AuthorizationEpoch epoch;
    private final Clock clock;
    private final GenerationCache<Principal.UserPrincipal, UserAccess> users;

    /** @param epoch the authorization generations that retire cached user access */
    public RepositorySearch(RepositorySearchStore store, ImageRestrictions restrictions, boolean authEnabled,
            AuthorizationEpoch epoch, Clock clock) {
        this.store = store;
        this.restrictions = restrictions;
        this.authEnabled = authEnabled;
        this.epoch = epoch;
        this.users = new GenerationCache<>(epoch, MAX_CACHED_USERS);
        this.clock = clock;
    }

    /**
     * One page; {@code page} counts from 1. {@code total} is at most {@link RepositorySearchStore#MAX_RESULTS}, and
     * the pages end there.
     */
    public record Page(String query, int page, int pageSize, long total, java.util.List<RepositorySearchStore.Hit> hits) {
        public long pages() {
            return (total + pageSize - 1) / pageSize;
        }
    }

    /**
     * @throws IllegalArgumentException for a blank or over-long query, a page below 1 or a size outside 1..100,
     *     with a message for the client
     */
    public Page search(Principal caller, String query, int page, int pageSize) {
        String q = query == null ? "" : query.trim().toLowerCase(Locale.ROOT);
        if (q.isEmpty()) throw new IllegalArgumentException("a search needs a query");
        if (q.length() > MAX_QUERY_LENGTH) {
            throw new IllegalArgumentException("the query is longer than " + MAX_QUERY_LENGTH + " characters");
        }
        if (page < 1) throw new IllegalArgumentException("page counts from 1");
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("the page size must be between 1 and " + MAX_PAGE_SIZE);
        }
        RepositorySearchStore.Result result = store.search(q, filter(caller), (long) (page - 1) * pageSize, pageSize);
        return new Page(q, page, pageSize, result.total(), result.hits());
    }

    /**
     * What the caller may pull through the registry, as a filter: the same rules as
     * AccessControl.registryAllowed(…).contains(PULL) (permissions, then restricted images).
     */
    Filter filter(Principal caller) {
        Filter permitted = permitted(caller);
        if (permitted.all() || permitted.equals(Filter.NOTHING)) return permitted;
        Optional<Set<String>> pullable = switch (caller) {
            // Restricted images follow the user, whichever credential they came with.
            case Principal.UserPrincipal user -> access(user).pullable();
            case Principal.PersonalToken token -> access(token.user()).pullable();
            default -> restrictions.pullableNamespaces(caller); // never restricted: answered without a query
        };
        return pullable.map(permitted::within).orElse(permitted);
    }

    private Filter permitted(Principal caller) {
        if (!authEnabled) return Filter.EVERYTHING;
        return switch (caller) {
            case Principal.Anonymous a -> Filter.PUBLIC;
            case Principal.UserPrincipal user -> userFilter(user);
            case Principal.PersonalToken token -> {
                if (!live(token.active(), token.expiresAt())) yield Filter.NOTHING;
                yield token.scope() == AccessScope.PUBLIC_READ ? Filter.PUBLIC : userFilter(token.user());
            }
            case Principal.OrgToken token -> {
                if (!live(token.active(), token.expiresAt())) yield Filter.NOTHING;
                Set<String> namespaces = new HashSet<>();
                Set<String> repositories = new HashSet<>();
                for (OrgTokenResource r : token.resources()) {
                    boolean pull = r.scopes().contains(OrgTokenResource.PULL) || r.scopes().contains(OrgTokenResource.PUSH);
                    if (r.type() != OrgTokenResource.Type.TYPE_REPO || !pull) continue;
                    if (r.path().equals(token.org() + "/*")) namespaces.add(token.org());
                    else if (r.path().startsWith(token.org() + "/")) repositories.add(r.path());
                }
                yield new Filter(false, true, namespaces, repositories);
            }
        };
    }

    private Filter userFilter(Principal.UserPrincipal user) {
        if (user.admin()) return Filter.EVERYTHING;
        RepositorySearchStore.Grants grants = access(user).grants();
        Set<String> namespaces = new HashSet<>(grants.namespaces());
        namespaces.add(user.username());
        return new Filter(false, true, namespaces, grants.repositories());
    }

    /** The user's access from the cache when its generation is current, else read (and cached) now. */
    private UserAccess access(Principal.UserPrincipal user) {
        return users.get(user, epoch.current().any(),
                () -> new UserAccess(store.pullGrants(user.userId()), restrictions.pullableNamespaces(user)));
    }

    private boolean live(boolean active, java.time.Instant expiresAt) {
        return active && (expiresAt == null || clock.instant().isBefore(expiresAt));
    }
}
