package dev.wharf.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which registry actions a principal has on a repository. Pure rules: the caller supplies the repository's
 * privacy and, for users, their {@link Relationship} to it ({@link AccessControl} does both from the database).
 *
 * <p>Users (directly, or through a personal access token, which caps them):
 * <ul>
 *   <li>administrators ({@code is_admin}) and the user whose name is the repository's namespace: everything;
 *   <li>organization role on the namespace: owner everything, editor pull and push, member nothing by itself;
 *   <li>team permission on the repository: read pull, write pull and push, admin everything;
 *   <li>anyone, anonymous included: pull on public repositories.
 * </ul>
 * The union of what applies is allowed. A personal access token then intersects it with its scope:
 * {@code repo:public_read} pull of public repositories only, {@code repo:read} pull, {@code repo:write} pull and
 * push, {@code repo:admin} everything. Organization tokens get what their resources in their own organization
 * name (see {@link OrgTokenResource}), plus the public pull everyone has. A token that is inactive or expired
 * gets nothing at all, not even public pulls: a request with a dead credential is refused, never downgraded
 * to anonymous.
 *
 * <p>A private repository must look exactly like a missing one to anyone who cannot pull it: use
 * {@link #visible} to choose between answering "denied" and "not found".
 */
public final class Permissions {

    private static final Set<Action> ALL = EnumSet.allOf(Action.class);
    private static final Set<Action> PULL_PUSH = EnumSet.of(Action.PULL, Action.PUSH);

    private final Clock clock;

    public Permissions(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param repository full name; its namespace is the part before the first '/'
     * @param relationship the user's ties to the repository; ignored for anonymous and organization tokens,
     *     {@link Relationship#NONE} when there are none
     * @return the allowed actions, a new mutable set
     */
    public Set<Action> allowed(Principal principal, String repository, boolean isPrivate, Relationship relationship) {
        return switch (principal) {
            case Principal.Anonymous anonymous -> publicPull(isPrivate);
            case Principal.UserPrincipal user -> userActions(user, repository, isPrivate, relationship);
            case Principal.PersonalToken token -> {
                if (!live(token.active(), token.expiresAt())) yield EnumSet.noneOf(Action.class);
                Set<Action> actions = userActions(token.user(), repository, isPrivate, relationship);
                actions.retainAll(token.scope().repositoryActions(isPrivate));
                yield actions;
            }
            case Principal.OrgToken token -> orgTokenActions(token, repository, isPrivate);
        };
    }

    public boolean allows(Principal principal, String repository, boolean isPrivate, Relationship relationship,
            Action action) {
        return allowed(principal, repository, isPrivate, relationship).contains(action);
    }

    /** Whether the repository may be revealed to the principal at all (it can pull it). */
    public boolean visible(Principal principal, String repository, boolean isPrivate, Relationship relationship) {
        return allows(principal, repository, isPrivate, relationship, Action.PULL);
    }

    public static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    private static Set<Action> userActions(Principal.UserPrincipal user, String repository, boolean isPrivate,
            Relationship relationship) {
        if (user.admin() || user.username().equals(namespaceOf(repository))) return EnumSet.copyOf(ALL);
        Set<Action> actions = publicPull(isPrivate);
        Relationship ties = relationship == null ? Relationship.NONE : relationship;
        if (ties.orgRole() != null) {
            switch (ties.orgRole()) {
                case OWNER -> actions.addAll(ALL);
                case EDITOR -> actions.addAll(PULL_PUSH);
                case MEMBER -> { } // teams decide
            }
        }
        if (ties.teamPermission() != null) {
            switch (ties.teamPermission()) {
                case READ -> actions.add(Action.PULL);
                case WRITE -> actions.addAll(PULL_PUSH);
                case ADMIN -> actions.addAll(ALL);
            }
        }
        return actions;
    }

    private Set<Action> orgTokenActions(Principal.OrgToken token, String repository, boolean isPrivate) {
        if (!live(token.active(), token.expiresAt())) return EnumSet.noneOf(Action.class);
        Set<Action> actions = publicPull(isPrivate);
        for (OrgTokenResource resource : token.resources()) {
            if (!resource.covers(token.org(), repository, isPrivate)) continue;
            if (resource.allowsPull()) actions.add(Action.PULL);
            if (resource.allowsPush()) actions.add(Action.PUSH);
        }
        return actions;
    }

    private static Set<Action> publicPull(boolean isPrivate) {
        return isPrivate ? EnumSet.noneOf(Action.class) : EnumSet.of(Action.PULL);
    }

    private boolean live(boolean active, Instant expiresAt) {
        return active && (expiresAt == null || clock.instant().isBefore(expiresAt));
    }
}
