package dev.wharf.auth;

/**
 * What ties a user to one repository through organizations: the user's role in the organization owning the
 * repository's namespace, and the strongest permission any of the user's teams has on the repository. Either
 * may be null. Loaded by {@link TeamService#relationship}; judged by {@link Permissions}.
 */
public record Relationship(OrgRole orgRole, TeamPermission teamPermission) {

    public static final Relationship NONE = new Relationship(null, null);
}
