package dev.wharf.auth;

import static dev.wharf.auth.AccountService.claimNamespace;
import static dev.wharf.auth.AccountService.requireUser;
import static dev.wharf.auth.AccountService.userExists;
import static dev.wharf.auth.IdentityRows.USER_COLUMNS;

import dev.wharf.audit.AuditAction;
import dev.wharf.storage.meta.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Organizations and their members with their roles. An organization's name is a namespace like a user's
 * ({@link AccountService}); an organization always keeps at least one owner. Who may manage members is the
 * caller's check, with {@link #roleOf}.
 */
public final class OrganizationService {
    private final Database database;
    private final Jdbi jdbi;
    private final Clock clock;

    OrganizationService(Database database, Clock clock) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /** Creates an organization whose first owner is {@code creatorUserId}. */
    public Organization createOrganization(String name, long creatorUserId) {
        IdentityNames.namespace(name, "organization name");
        long now = clock.millis();
        return database.inWriteTransaction(h -> {
            if (!userExists(h, creatorUserId)) throw IdentityException.notFound("no such user");
            claimNamespace(h, name, NamespaceKind.ORG);
            h.createUpdate("INSERT INTO organizations (name, created_at) VALUES (:name, :now)")
                    .bind("name", name)
                    .bind("now", now)
                    .execute();
            Organization org = findOrganization(h, name).orElseThrow();
            h.createUpdate("INSERT INTO org_members (org_id, user_id, role, joined_at)"
                            + " VALUES (:org, :user, 'owner', :now)")
                    .bind("org", org.id())
                    .bind("user", creatorUserId)
                    .bind("now", now)
                    .execute();
            IdentityAudit.org(h, org.name(), AuditAction.ORG_CREATE, org.name(), Map.of(),
                    "created the organization " + org.name(), Instant.ofEpochMilli(now));
            return org;
        });
    }

    public Optional<Organization> findOrganization(String name) {
        return jdbi.withHandle(h -> findOrganization(h, IdentityNames.normalize(name)));
    }

    static Optional<Organization> findOrganization(Handle h, String name) {
        return h.createQuery("SELECT id, name, created_at FROM organizations WHERE name = :name")
                .bind("name", name)
                .map(IdentityRows::organization)
                .findOne();
    }

    static Organization requireOrganization(Handle h, String name) {
        return findOrganization(h, IdentityNames.normalize(name))
                .orElseThrow(() -> IdentityException.notFound("no such organization"));
    }

    /** The organizations a user belongs to, by name. */
    public List<Organization> organizationsOf(long userId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT o.id, o.name, o.created_at FROM organizations o"
                        + " JOIN org_members m ON m.org_id = o.id WHERE m.user_id = :user ORDER BY o.name")
                .bind("user", userId)
                .map(IdentityRows::organization)
                .list());
    }

    /** The user's role in the organization, empty if not a member (or no such organization). */
    public Optional<OrgRole> roleOf(String org, long userId) {
        return jdbi.withHandle(h -> roleOf(h, IdentityNames.normalize(org), userId));
    }

    static Optional<OrgRole> roleOf(Handle h, String org, long userId) {
        return h.createQuery("SELECT m.role FROM org_members m JOIN organizations o ON o.id = m.org_id"
                        + " WHERE o.name = :org AND m.user_id = :user")
                .bind("org", org)
                .bind("user", userId)
                .mapTo(String.class)
                .findOne()
                .map(OrgRole::parse);
    }

    /**
     * Adds the user to the organization with the role, or changes their role.
     *
     * @throws IdentityException INVALID_STATE when that would leave the organization without an owner
     */
    public OrgMember setMember(String org, String username, OrgRole role) {
        long now = clock.millis();
        return database.inWriteTransaction(h -> {
            Organization organization = requireOrganization(h, org);
            User user = requireUser(h, username);
            Optional<OrgRole> current = roleOf(h, organization.name(), user.id());
            if (current.orElse(null) == OrgRole.OWNER && role != OrgRole.OWNER) requireAnotherOwner(h, organization);
            h.createUpdate("INSERT INTO org_members (org_id, user_id, role, joined_at)"
                            + " VALUES (:org, :user, :role, :now)"
                            + " ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role")
                    .bind("org", organization.id())
                    .bind("user", user.id())
                    .bind("role", role.wireName())
                    .bind("now", now)
                    .execute();
            IdentityAudit.org(h, organization.name(), current.isEmpty() ? AuditAction.ORG_MEMBER_ADD
                    : AuditAction.ORG_MEMBER_ROLE, user.username(), Map.of("role", role.wireName()),
                    (current.isEmpty() ? "added " : "changed the role of ") + user.username() + " as "
                            + role.wireName(), Instant.ofEpochMilli(now));
            return members(h, organization.id(), user.id()).getFirst();
        });
    }

    /**
     * Removes the user from the organization and from all its teams.
     *
     * @throws IdentityException NOT_FOUND if not a member, INVALID_STATE if the last owner
     */
    public void removeMember(String org, String username) {
        database.inWriteTransaction(h -> {
            Organization organization = requireOrganization(h, org);
            User user = requireUser(h, username);
            OrgRole role = roleOf(h, organization.name(), user.id())
                    .orElseThrow(() -> IdentityException.notFound("not a member of the organization"));
            if (role == OrgRole.OWNER) requireAnotherOwner(h, organization);
            h.createUpdate("DELETE FROM team_members WHERE user_id = :user"
                            + " AND team_id IN (SELECT id FROM teams WHERE org_id = :org)")
                    .bind("user", user.id())
                    .bind("org", organization.id())
                    .execute();
            h.createUpdate("DELETE FROM org_members WHERE org_id = :org AND user_id = :user")
                    .bind("org", organization.id())
                    .bind("user", user.id())
                    .execute();
            IdentityAudit.org(h, organization.name(), AuditAction.ORG_MEMBER_REMOVE, user.username(), Map.of(),
                    "removed " + user.username() + " from the organization", clock.instant());
            return null;
        });
    }

    private void requireAnotherOwner(Handle h, Organization organization) {
        // On PostgreSQL, lock the owners' rows so two demotions at once cannot both see "another owner".
        String lock = database.dialect() == Database.Dialect.POSTGRESQL ? " FOR UPDATE" : "";
        int owners = h.createQuery("SELECT user_id FROM org_members WHERE org_id = :org AND role = 'owner'" + lock)
                .bind("org", organization.id())
                .mapTo(Long.class)
                .list()
                .size();
        if (owners < 2) {
            throw new IdentityException(IdentityException.Reason.INVALID_STATE, "an organization needs an owner");
        }
    }

    /** Members and teams as pages, a bounded number of statements each (see {@link OrgListQueries}). */
    public OrgListQueries listQueries() {
        return new OrgListQueries(database);
    }

    public List<OrgMember> listMembers(String org) {
        return jdbi.withHandle(h -> members(h, requireOrganization(h, org).id(), null));
    }

    /**
     * One member of an organization by exact username, or empty when that user is not a member: one row read,
     * not the whole member list.
     *
     * @throws IdentityException NOT_FOUND when the organization does not exist
     */
    public Optional<OrgMember> findMember(String org, String username) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + USER_COLUMNS + ", m.role, m.joined_at"
                        + " FROM org_members m JOIN users u ON u.id = m.user_id"
                        + " WHERE m.org_id = :org AND u.username = :username")
                .bind("org", requireOrganization(h, org).id())
                .bind("username", username)
                .map(OrganizationService::member)
                .findOne());
    }

    private static List<OrgMember> members(Handle h, long orgId, Long onlyUser) {
        var query = h.createQuery("SELECT " + USER_COLUMNS + ", m.role, m.joined_at FROM org_members m"
                        + " JOIN users u ON u.id = m.user_id WHERE m.org_id = :org"
                        + (onlyUser == null ? "" : " AND m.user_id = :user") + " ORDER BY u.username")
                .bind("org", orgId);
        if (onlyUser != null) query.bind("user", onlyUser.longValue());
        return query.map(OrganizationService::member).list();
    }

    private static OrgMember member(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
            throws java.sql.SQLException {
        return new OrgMember(IdentityRows.user(rs, ctx), OrgRole.parse(rs.getString("role")),
                IdentityRows.instant(rs, "joined_at"));
    }
}
