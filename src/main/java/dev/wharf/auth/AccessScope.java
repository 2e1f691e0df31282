package dev.wharf.auth;

import java.util.Collection;
import java.util.List;

/**
 * A personal access token's scope. Each includes the ones below it ({@code repo:admin} ⊇ {@code repo:write}
 * ⊇ {@code repo:read} ⊇ {@code repo:public_read}), so a token's effective scope is the highest it was given.
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
