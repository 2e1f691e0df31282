package dev.wharf.auth;

import java.util.Set;

/**
 * {@link Permissions} fed from the database: looks up the repository's privacy and, for users, their
 * {@link Relationship} to it. What the registry's token endpoint and the Hub API ask.
 */
public final class AccessControl {

    private final Permissions permissions;
    private final AccountService accounts;
    private final RepositorySettingsService settings;

    public AccessControl(Permissions permissions, AccountService accounts, RepositorySettingsService settings) {
        this.permissions = permissions;
        this.accounts = accounts;
        this.settings = settings;
    }

    public Set<Action> allowed(Principal principal, String repository) {
        boolean isPrivate = settings.isPrivate(repository);
        return permissions.allowed(principal, repository, isPrivate, relationship(principal, repository));
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
        return accounts.relationship(user.userId(), repository);
    }
}
