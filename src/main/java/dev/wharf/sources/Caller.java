package dev.wharf.sources;

import java.util.Set;

/**
 * An authenticated user acting in one hub. {@code role} is the name ACL entries are keyed by: {@code owner},
 * {@code editor} or {@code member} of an organization hub; a user in their own hub (and an administrator
 * anywhere) counts as {@code owner}. {@code capabilities} is what the role may do in the hub as a whole.
 */
public record Caller(long userId, String username, String hub, String role, Set<Capability> capabilities) {

    public boolean can(Capability capability) {
        return capabilities.contains(capability);
    }

    /** Owners are never narrowed by an ACL: someone must always be able to fix a source's ACL. */
    public boolean isOwner() {
        return "owner".equals(role);
    }

    public void require(Capability capability) {
        if (!can(capability)) {
            throw new CycleException(CycleError.PERMISSIONS, "this action requires the " + capability.wire()
                    + " capability in hub " + hub);
        }
    }
}
