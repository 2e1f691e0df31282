package dev.wharf.auth;

import static dev.wharf.auth.AccountService.requireUser;
import static dev.wharf.auth.IdentityRows.USER_COLUMNS;
import static dev.wharf.auth.OrganizationService.findOrganization;
import static dev.wharf.auth.OrganizationService.requireOrganization;
import static dev.wharf.auth.OrganizationService.roleOf;

import dev.wharf.audit.AuditAction;
import dev.wharf.model.RepositoryName;
import dev.wharf.storage.meta.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Teams of an organization, their members (who must be members of the organization), the teams' permissions
 * on the organization's repositories, and what those and the organization role add up to for one user on a
 * repository ({@link #relationship}).
 */
public final class TeamService {
    private final Database database;
    private final Jdbi jdbi;
    private final Clock clock;

    TeamService(Database database, Clock clock) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    public Team createTeam(String org, String name, String description) {
        IdentityNames.team(name);
        String text = description == null ? "" : description;
        if (text.length() > 1000) throw IdentityException.invalid("description must be at most 1000 characters");
        long now = clock.millis();
        return database.inWriteTransaction(h -> {
            Organization organization = requireOrganization(h, org);
            int inserted = h.createUpdate("INSERT INTO teams (org_id, name, description, created_at)"
                            + " VALUES (:org, :name, :description, :now) ON CONFLICT (org_id, name) DO NOTHING")
                    .bind("org", organization.id())
                    .bind("name", name)
                    .bind("description", text)
                    .bind("now", now)
                    .execute();
            if (inserted == 0) throw IdentityException.conflict("the organization already has a team '" + name + "'");
            IdentityAudit.org(h, organization.name(), AuditAction.TEAM_CREATE, name, Map.of(),
                    "created the team " + name, Instant.ofEpochMilli(now));
            return findTeam(h, organization, name).orElseThrow();
        });
    }

    public Optional<Team> findTeam(String org, String team) {
        return jdbi.withHandle(h -> findOrganization(h, IdentityNames.normalize(org))
                .flatMap(o -> findTeam(h, o, IdentityNames.normalize(team))));
    }

    public List<Team> listTeams(String org) {
        return jdbi.withHandle(h -> teams(h, requireOrganization(h, org), null));
    }

    /**
     * Renames the team and/or changes its description (null keeps either).
     *
     * @throws IdentityException INVALID_INPUT for a bad name, CONFLICT when the organization has a team so named
     */
    public Team updateTeam(String org, String team, String newName, String newDescription) {
        if (newName != null) IdentityNames.team(newName);
        if (newDescription != null && newDescription.length() > 1000) {
            throw IdentityException.invalid("description must be at most 1000 characters");
        }
        return database.inWriteTransaction(h -> {
            Team found = requireTeam(h, org, team);
            String name = newName == null ? found.name() : newName;
            String description = newDescription == null ? found.description() : newDescription;
            if (!name.equals(found.name()) && findTeam(h, requireOrganization(h, org), name).isPresent()) {
                throw IdentityException.conflict("the organization already has a team '" + name + "'");
            }
            h.createUpdate("UPDATE teams SET name = :name, description = :description WHERE id = :id")
                    .bind("name", name)
                    .bind("description", description)
                    .bind("id", found.id())
                    .execute();
            IdentityAudit.org(h, found.org(), AuditAction.TEAM_UPDATE, name, Map.of("previous_name", found.name()),
                    "updated the team " + name, clock.instant());
            return findTeam(h, requireOrganization(h, org), name).orElseThrow();
        });
    }

    /** Deletes the team with its members and repository permissions. */
    public void deleteTeam(String org, String team) {
        database.inWriteTransaction(h -> {
            Team found = requireTeam(h, org, team);
            IdentityAudit.org(h, found.org(), AuditAction.TEAM_DELETE, found.name(), Map.of(),
                    "deleted the team " + found.name(), clock.instant());
            return h.createUpdate("DELETE FROM teams WHERE id = :id").bind("id", found.id()).execute();
        });
    }

    private static Optional<Team> findTeam(Handle h, Organization organization, String name) {
        return teams(h, organization, name).stream().findFirst();
    }

    private static Team requireTeam(Handle h, String org, String team) {
        return findTeam(h, requireOrganization(h, org), IdentityNames.normalize(team))
                .orElseThrow(() -> IdentityException.notFound("no such team"));
    }

    private static List<Team> teams(Handle h, Organization organization, String onlyName) {
        var query = h.createQuery("SELECT t.id, t.name, t.description, t.created_at,"
                        + " (SELECT COUNT(*) FROM team_members tm WHERE tm.team_id = t.id) AS member_count"
                        + " FROM teams t WHERE t.org_id = :org" + (onlyName == null ? "" : " AND t.name = :name")
                        + " ORDER BY t.name")
                .bind("org", organization.id());
        if (onlyName != null) query.bind("name", onlyName);
        return query.map((rs, ctx) -> new Team(rs.getLong("id"), organization.name(), rs.getString("name"),
                        rs.getString("description"), IdentityRows.instant(rs, "created_at"),
                        rs.getLong("member_count")))
                .list();
    }

    /** @throws IdentityException INVALID_STATE if the user is not a member of the organization */
    public void addTeamMember(String org, String team, String username) {
        database.inWriteTransaction(h -> {
            Team found = requireTeam(h, org, team);
            User user = requireUser(h, username);
            if (roleOf(h, found.org(), user.id()).isEmpty()) {
                throw new IdentityException(IdentityException.Reason.INVALID_STATE,
                        "only members of the organization can join its teams");
            }
            int added = h.createUpdate("INSERT INTO team_members (team_id, user_id) VALUES (:team, :user)"
                            + " ON CONFLICT (team_id, user_id) DO NOTHING")
                    .bind("team", found.id())
                    .bind("user", user.id())
                    .execute();
            if (added > 0) {
                IdentityAudit.org(h, found.org(), AuditAction.TEAM_MEMBER_ADD, user.username(),
                        Map.of("team", found.name()), "added " + user.username() + " to the team " + found.name(),
                        clock.instant());
            }
            return added;
        });
    }

    /** @return false if the user was not in the team */
    public boolean removeTeamMember(String org, String team, String username) {
        return database.inWriteTransaction(h -> {
            Team found = requireTeam(h, org, team);
            User user = requireUser(h, username);
            boolean removed = h.createUpdate("DELETE FROM team_members WHERE team_id = :team AND user_id = :user")
                    .bind("team", found.id())
                    .bind("user", user.id())
                    .execute() > 0;
            if (removed) {
                IdentityAudit.org(h, found.org(), AuditAction.TEAM_MEMBER_REMOVE, user.username(),
                        Map.of("team", found.name()),
                        "removed " + user.username() + " from the team " + found.name(), clock.instant());
            }
            return removed;
        });
    }

    public List<User> listTeamMembers(String org, String team) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + USER_COLUMNS + " FROM team_members tm"
                        + " JOIN users u ON u.id = tm.user_id WHERE tm.team_id = :team ORDER BY u.username")
                .bind("team", requireTeam(h, org, team).id())
                .map(IdentityRows::user)
                .list());
    }

    // --- team permissions on repositories --------------------------------------------------------------

    /**
     * Grants (or changes) the team's permission on a repository of the organization's namespace. The repository
     * need not exist yet.
     */
    public TeamRepositoryPermission setTeamPermission(String org, String team, String repository,
            TeamPermission permission) {
        return database.inWriteTransaction(h -> {
            Team found = requireTeam(h, org, team);
            if (!RepositoryName.isValid(repository) || !repository.startsWith(found.org() + "/")) {
                throw IdentityException.invalid("the repository must be in the namespace " + found.org());
            }
            h.createUpdate("INSERT INTO team_repository_permissions (team_id, repository, permission)"
                            + " VALUES (:team, :repo, :permission)"
                            + " ON CONFLICT (team_id, repository) DO UPDATE SET permission = excluded.permission")
                    .bind("team", found.id())
                    .bind("repo", repository)
                    .bind("permission", permission.wireName())
                    .execute();
            IdentityAudit.org(h, found.org(), AuditAction.TEAM_PERMISSION_SET, repository,
                    Map.of("team", found.name(), "permission", permission.wireName()),
                    "gave the team " + found.name() + " " + permission.wireName() + " on " + repository,
                    clock.instant());
            return new TeamRepositoryPermission(found.org(), found.name(), found.id(), repository, permission);
        });
    }

    /** @return false if the team had no permission on the repository */
    public boolean removeTeamPermission(String org, String team, String repository) {
        return database.inWriteTransaction(h -> {
            Team found = requireTeam(h, org, team);
            boolean removed = h.createUpdate(
                            "DELETE FROM team_repository_permissions WHERE team_id = :team AND repository = :repo")
                    .bind("team", found.id())
                    .bind("repo", repository)
                    .execute() > 0;
            if (removed) {
                IdentityAudit.org(h, found.org(), AuditAction.TEAM_PERMISSION_REMOVE, repository,
                        Map.of("team", found.name()),
                        "removed the permission of the team " + found.name() + " on " + repository,
                        clock.instant());
            }
            return removed;
        });
    }

    /** The repositories a team may use. */
    public List<TeamRepositoryPermission> listTeamPermissions(String org, String team) {
        return jdbi.withHandle(h -> permissions(h, "p.team_id = :key", requireTeam(h, org, team).id()));
    }

    /** The teams that may use a repository (the Hub API's repository groups). */
    public List<TeamRepositoryPermission> listRepositoryPermissions(String repository) {
        return jdbi.withHandle(h -> permissions(h, "p.repository = :key", repository));
    }

    private static List<TeamRepositoryPermission> permissions(Handle h, String where, Object key) {
        return h.createQuery("SELECT o.name AS org, t.name AS team, t.id AS team_id, p.repository, p.permission"
                        + " FROM team_repository_permissions p JOIN teams t ON t.id = p.team_id"
                        + " JOIN organizations o ON o.id = t.org_id WHERE " + where + " ORDER BY p.repository, t.name")
                .bind("key", key)
                .map((rs, ctx) -> new TeamRepositoryPermission(rs.getString("org"), rs.getString("team"),
                        rs.getLong("team_id"), rs.getString("repository"),
                        TeamPermission.parse(rs.getString("permission"))))
                .list();
    }

    /** The user's organization role on the repository's namespace and best team permission on it. */
    public Relationship relationship(long userId, String repository) {
        String namespace = Permissions.namespaceOf(repository);
        return jdbi.withHandle(h -> {
            OrgRole role = roleOf(h, namespace, userId).orElse(null);
            TeamPermission best = null;
            for (String p : h.createQuery("SELECT p.permission FROM team_repository_permissions p"
                            + " JOIN team_members tm ON tm.team_id = p.team_id"
                            + " WHERE tm.user_id = :user AND p.repository = :repo")
                    .bind("user", userId)
                    .bind("repo", repository)
                    .mapTo(String.class)
                    .list()) {
                best = TeamPermission.max(best, TeamPermission.parse(p));
            }
            return role == null && best == null ? Relationship.NONE : new Relationship(role, best);
        });
    }

    /**
     * {@link #relationship} for every repository of one namespace at once, in two queries: the user's role in the
     * organization, then their teams' permissions on the namespace's repositories. Repositories missing from the
     * answer have the role alone.
     */
    public Map<String, Relationship> relationshipsIn(long userId, String namespace, Collection<String> repositories) {
        return jdbi.withHandle(h -> {
            OrgRole role = roleOf(h, namespace, userId).orElse(null);
            Map<String, TeamPermission> best = new HashMap<>();
            // '0' follows '/' in ASCII: the range is exactly the names starting with "namespace/".
            h.createQuery("SELECT p.repository, p.permission FROM team_repository_permissions p"
                            + " JOIN team_members tm ON tm.team_id = p.team_id"
                            + " WHERE tm.user_id = :user AND p.repository >= :from AND p.repository < :to")
                    .bind("user", userId).bind("from", namespace + "/").bind("to", namespace + "0")
                    .map((rs, ctx) -> Map.entry(rs.getString(1), TeamPermission.parse(rs.getString(2))))
                    .forEach(e -> best.merge(e.getKey(), e.getValue(), TeamPermission::max));
            Map<String, Relationship> out = new HashMap<>();
            for (String repository : repositories) {
                TeamPermission team = best.get(repository);
                out.put(repository, role == null && team == null ? Relationship.NONE : new Relationship(role, team));
            }
            return out;
        });
    }
}
