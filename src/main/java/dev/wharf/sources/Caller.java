package dev.wharf.sources;

import dev.wharf.auth.Principal;
import java.util.Set;

/**
 * An authenticated user acting in one hub. {@code role} is the name ACL entries are keyed by: {@code owner},
 * {@code editor} or {@code member} of an organization hub; a user in their own hub (and an administrator
 * anywhere) counts as {@code owner}. {@code capabilities} is what the role may do in the hub as a whole;
 * {@code principal} is the credential the request came with, whose scope caps every operation (a session made
 * from a {@code repo:read} personal access token of an owner still only reads).
 */
public record Caller(long userId, String username, String hub, String role, Set<Capability> capabilities,
        Principal principal) {

    public boolean can(Capability capability) {
        return capabilities.contains(capability);
    }

    /** Owners are never narrowed by an ACL: someone must always be able to fix a source's ACL. */
    public boolean isOwner() {
        return "owner".equals(role);
    }

    /** @throws CycleException PERMISSIONS when the credential's scope or the role's capabilities fall short */
    void require(Operation operation) {
        if (!principal.scopeAllows(operation.scope())) throw scopeTooNarrow(principal, operation);
        if (!can(operation.capability())) {
            throw new CycleException(CycleError.PERMISSIONS, "this action requires the "
                    + operation.capability().wire() + " capability in hub " + hub);
        }
    }

    static CycleException scopeTooNarrow(Principal principal, Operation operation) {
        String has = principal instanceof Principal.PersonalToken t ? t.scope().wireName() : "no scope";
        return new CycleException(CycleError.PERMISSIONS, "this session comes from a personal access token with "
                + has + ", which may not " + operation.description() + "; that needs "
                + operation.scope().wireName() + " or higher (see docs/scopes.md)");
    }
}
