package dev.wharf.auth;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A personal access token's scope. Each includes the ones below it ({@code repo:admin} ⊇ {@code repo:write}
 * ⊇ {@code repo:read} ⊇ {@code repo:public_read}), so a token's effective scope is the highest it was given.
 *
 * <p>The same ladder caps a token everywhere (docs/scopes.md): on a repository it allows the actions of
 * {@link #repositoryActions}; on everything else an account owns that is not public (hubs and their sources,
 * images and jobs on {@code /v1/}, organization management) an operation names the least scope it needs with
 * {@link Principal#scopeAllows}: {@code repo:read} to look, {@code repo:write} to create, change and import,
 * {@code repo:admin} to delete and to manage who may do what. {@code repo:public_read} reads public repositories
 * and nothing else.
 */
public enum AccessScope {
    PUBLIC_READ("repo:public_read"),
    READ("repo:read"),
    WRITE("repo:write"),
    ADMIN("repo:admin");

    private final String wireName;

    AccessScope(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether a token with this scope may do what {@code other} allows. */
    public boolean allows(AccessScope other) {
        return compareTo(other) >= 0;
    }

    /** What this scope allows on a repository, whatever the user's own rights there. */
    public Set<Action> repositoryActions(boolean isPrivate) {
        return switch (this) {
            case PUBLIC_READ -> isPrivate ? EnumSet.noneOf(Action.class) : EnumSet.of(Action.PULL);
            case READ -> EnumSet.of(Action.PULL);
            case WRITE -> EnumSet.of(Action.PULL, Action.PUSH);
            case ADMIN -> EnumSet.allOf(Action.class);
        };
    }

    /** @throws IdentityException INVALID_INPUT for anything else than the four Docker Hub scopes */
    public static AccessScope parse(String value) {
        for (AccessScope scope : values()) {
            if (scope.wireName.equals(value)) return scope;
        }
        throw IdentityException.invalid(
                "invalid scope; valid scopes: repo:admin, repo:write, repo:read, repo:public_read");
    }

    /** The highest of the given scopes. @throws IdentityException INVALID_INPUT if there is none */
    public static AccessScope highest(Collection<AccessScope> scopes) {
        return scopes.stream().max(Enum::compareTo).orElseThrow(() -> IdentityException.invalid("scopes is empty"));
    }

    static AccessScope highestOf(List<String> wireNames) {
        return highest(wireNames.stream().map(AccessScope::parse).toList());
    }
}
