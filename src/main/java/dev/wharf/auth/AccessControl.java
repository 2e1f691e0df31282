package dev.wharf.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link Permissions} fed from the database: looks up the repository's privacy and, for users, their
 * {@link Relationship} to it. What the registry's token endpoint and the Hub API ask.
 */
public final class AccessControl {

    private final Permissions permissions;
    private final AccountService accounts;
    private final RepositorySettingsService settings;
    private final ImageRestrictions restrictions;
    private volatile MirrorNamespaces mirrors = MirrorNamespaces.NONE;

    public AccessControl(Permissions permissions, AccountService accounts, RepositorySettingsService settings) {
        this(permissions, accounts, settings, null);
    }

    /** @param restrictions organizations' restricted images, applied to registry pulls; null: none */
    public AccessControl(Permissions permissions, AccountService accounts, RepositorySettingsService settings,
            ImageRestrictions restrictions) {
        this.permissions = permissions;
        this.accounts = accounts;
        this.settings = settings;
        this.restrictions = restrictions;
    }

    /**
     * {@link #allowed} for existing repositories of one namespace, in a bounded number of queries whatever their
     * number (privacy in one, the user's relationships in two): for listings.
     */
    public Map<String, Set<Action>> allowedIn(Principal principal, String namespace, List<String> repositories) {
        Map<String, Set<Action>> out = new HashMap<>();
        Optional<String> mirror = mirrors.mirrorOf(namespace + "/_");
        if (mirror.isPresent()) { // a mirror's rules do not depend on the repository
            for (String repository : repositories) out.put(repository, mirrorActions(principal, repository, mirror.get()));
            return out;
        }
        Map<String, Boolean> privacy = settings.privacyIn(namespace, repositories);
        Principal.UserPrincipal user = userOf(principal);
        boolean needsRelationships = user != null && !user.admin() && !user.username().equals(namespace);
        Map<String, Relationship> relationships = needsRelationships
                ? accounts.teams().relationshipsIn(user.userId(), namespace, repositories) : Map.of();
        for (String repository : repositories) {
            out.put(repository, permissions.allowed(principal, repository, privacy.get(repository),
                    relationships.getOrDefault(repository, Relationship.NONE)));
        }
        return out;
    }

    private static Principal.UserPrincipal userOf(Principal principal) {
        return switch (principal) {
            case Principal.UserPrincipal u -> u;
            case Principal.PersonalToken t -> t.user();
            case Principal.Anonymous a -> null;
            case Principal.OrgToken t -> null;
        };
    }

    /** Wiring only: the mirror namespaces, known once the mirror service is built (after identity). */
    public void useMirrors(MirrorNamespaces mirrors) {
        this.mirrors = mirrors;
    }

    public Set<Action> allowed(Principal principal, String repository) {
        Optional<String> mirror = mirrors.mirrorOf(repository);
        if (mirror.isPresent()) return mirrorActions(principal, repository, mirror.get());
        boolean isPrivate = settings.isPrivate(repository);
        return permissions.allowed(principal, repository, isPrivate, relationship(principal, repository));
    }

    /**
     * What the registry may grant: {@link #allowed} without pull when an organization of the user restricts
     * images and this repository is not among those it allows ({@link #pullRefusal} says why).
     */
    public Set<Action> registryAllowed(Principal principal, String repository) {
        Set<Action> actions = allowed(principal, repository);
        if (actions.contains(Action.PULL) && pullRefusal(principal, repository).isPresent()) {
            actions.remove(Action.PULL);
        }
        return actions;
    }

    /** Why an organization's restricted images forbid this pull, or empty. */
    public Optional<String> pullRefusal(Principal principal, String repository) {
        return restrictions == null ? Optional.empty() : restrictions.pullRefusal(principal, repository);
    }

    /**
     * A mirror is read-only: pull for every live principal (a dead token gets nothing, as everywhere), for
     * anonymous callers only when the mirror allows it; administrators may also delete cached content.
     */
    private Set<Action> mirrorActions(Principal principal, String repository, String mirror) {
        Set<Action> actions = java.util.EnumSet.noneOf(Action.class);
        if (principal instanceof Principal.Anonymous) {
            if (mirrors.anonymousPulls(mirror)) actions.add(Action.PULL);
            return actions;
        }
        // As for a public repository: this covers token liveness and scopes.
        actions.addAll(permissions.allowed(principal, repository, false, Relationship.NONE));
        actions.retainAll(java.util.EnumSet.of(Action.PULL, Action.DELETE));
        if (!(principal instanceof Principal.UserPrincipal u && u.admin())) actions.remove(Action.DELETE);
        return actions;
    }

    /** False means: answer as if the repository did not exist. */
    public boolean visible(Principal principal, String repository) {
        return allowed(principal, repository).contains(Action.PULL);
    }

    private Relationship relationship(Principal principal, String repository) {
        Principal.UserPrincipal user = switch (principal) {
            case Principal.UserPrincipal u -> u;
            case Principal.PersonalToken t -> t.user();
            case Principal.Anonymous a -> null;
            case Principal.OrgToken t -> null;
        };
        // Administrators and namespace owners have every right already: skip the queries.
        if (user == null || user.admin() || user.username().equals(Permissions.namespaceOf(repository))) {
            return Relationship.NONE;
        }
        return accounts.teams().relationship(user.userId(), repository);
    }
}
