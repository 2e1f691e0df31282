package dev.wharf.auth;

import java.util.Collection;

import java.util.HashMap;

import dev.wharf.audit.AuditAction;
import static dev.wharf.auth.IdentityRows.USER_COLUMNS;

import dev.wharf.model.RepositoryName;
import dev.wharf.storage.meta.Database;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Users, organizations, memberships, teams and team permissions on repositories.
 *
 * <p>Users and organizations share one namespace: each name is a row of {@code namespaces} inserted in the
 * same transaction as the account, so two nodes can never give a name to both. Names are stored lower case;
 * lookups lower-case their argument. This service checks data rules (validation, last owner, team members
 * must be organization members); who may call what (an owner managing members, say) is the caller's check,
 * with {@link #roleOf}.
 */
public final class AccountService {

    private static final String PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final int GENERATED_PASSWORD_LENGTH = 24;
    public static final String DEFAULT_ADMIN = "admin";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database database;
    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final Clock clock;
    private volatile String dummyHash; // verified against when a user is missing, so timing does not tell

    public AccountService(Database database, PasswordHasher hasher, Clock clock) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.hasher = hasher;
        this.clock = clock;
    }

    // --- users ------------------------------------------------------------------------------------------

    /** @throws IdentityException INVALID_INPUT (username, email, password) or CONFLICT (name taken) */
    public User createUser(String username, String email, String password, boolean admin) {
        return createUser(username, email, password, () -> hasher.hash(password), admin);
    }

    /** As above, with the password's hash from {@code hash} (which may have been started earlier). */
    private User createUser(String username, String email, String password, Supplier<String> hash, boolean admin) {
        IdentityNames.namespace(username, "username");
        String cleanEmail = IdentityNames.email(email);
        IdentityNames.password(password);
        String hashed = hash.get(); // slow: outside the write transaction
        long now = clock.millis();
        return database.inWriteTransaction(h -> {
            claimNamespace(h, username, NamespaceKind.USER);
            h.createUpdate("INSERT INTO users (username, email, password_hash, is_admin, created_at)"
                            + " VALUES (:username, :email, :hash, :admin, :now)")
                    .bind("username", username)
                    .bind("email", cleanEmail)
                    .bind("hash", hashed)
                    .bind("admin", admin)
                    .bind("now", now)
                    .execute();
            return findUser(h, username).orElseThrow();
        });
    }

    public Optional<User> findUser(String username) {
        return jdbi.withHandle(h -> findUser(h, IdentityNames.normalize(username)));
    }

    public Optional<User> findUser(long userId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + USER_COLUMNS + " FROM users u WHERE u.id = :id")
                .bind("id", userId)
                .map(IdentityRows::user)
                .findOne());
    }

    /** The users with these ids that exist, by id, in one statement (lists that show their rows' creators). */
    public java.util.Map<Long, User> findUsers(java.util.Collection<Long> userIds) {
        java.util.Map<Long, User> out = new java.util.HashMap<>();
        if (userIds.isEmpty()) return out;
        jdbi.useHandle(h -> h.createQuery("SELECT " + USER_COLUMNS + " FROM users u WHERE u.id IN (<ids>)")
                .bindList("ids", java.util.List.copyOf(new java.util.HashSet<>(userIds)))
                .map(IdentityRows::user)
                .forEach(u -> out.put(u.id(), u)));
        return out;
    }

    private static Optional<User> findUser(Handle h, String username) {
        return h.createQuery("SELECT " + USER_COLUMNS + " FROM users u WHERE u.username = :username")
                .bind("username", username)
                .map(IdentityRows::user)
                .findOne();
    }

    /** Users by username; {@code page} from 1, {@code pageSize} 1 to 100. */
    public Page<User> listUsers(int page, int pageSize) {
        Paging paging = Paging.of(page, pageSize);
        return jdbi.withHandle(h -> new Page<>(
                h.createQuery("SELECT " + USER_COLUMNS
                                + " FROM users u ORDER BY u.username LIMIT :limit OFFSET :offset")
                        .bind("limit", paging.limit())
                        .bind("offset", paging.offset())
                        .map(IdentityRows::user)
                        .list(),
                h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one()));
    }

    /**
     * The user if the password is theirs. The same work is done whether or not the user exists, so a caller
     * cannot learn usernames from the timing. Does not look at the second factor: when
     * {@link User#totpEnabled()} the caller must still ask {@link TwoFactorService#verifyLogin}. A hash made
     * with weaker parameters than the current ones is replaced on success.
     */
    public Optional<User> authenticatePassword(String username, String password) {
        String name = IdentityNames.normalize(username);
        Optional<String> stored = jdbi.withHandle(h -> h.createQuery(
                        "SELECT password_hash FROM users WHERE username = :username")
                .bind("username", name)
                .mapTo(String.class)
                .findOne());
        if (password == null || password.length() > IdentityNames.MAX_PASSWORD) return Optional.empty();
        if (stored.isEmpty()) {
            hasher.verify(password, dummyHash());
            return Optional.empty();
        }
        if (!hasher.verify(password, stored.get())) return Optional.empty();
        if (hasher.needsRehash(stored.get())) storeHash(name, stored.get(), hasher.hash(password));
        return findUser(name);
    }

    private String dummyHash() {
        String hash = dummyHash;
        if (hash == null) dummyHash = hash = hasher.hash("not-a-password-" + RANDOM.nextLong());
        return hash;
    }

    private void storeHash(String username, String oldHash, String newHash) {
        // Only if unchanged meanwhile: a password change must never be undone by a concurrent re-hash.
        database.inWriteTransaction(h -> h.createUpdate(
                        "UPDATE users SET password_hash = :new WHERE username = :username AND password_hash = :old")
                .bind("new", newHash)
                .bind("old", oldHash)
                .bind("username", username)
                .execute());
    }

    /** @throws IdentityException INVALID_CREDENTIALS if {@code currentPassword} is wrong, NOT_FOUND, INVALID_INPUT */
    public void changePassword(long userId, String currentPassword, String newPassword) {
        IdentityNames.password(newPassword);
        User user = findUser(userId).orElseThrow(() -> IdentityException.notFound("no such user"));
        if (authenticatePassword(user.username(), currentPassword).isEmpty()) {
            throw new IdentityException(IdentityException.Reason.INVALID_CREDENTIALS, "current password is wrong");
        }
        resetPassword(userId, newPassword);
    }

    /** Sets a password without knowing the old one: for administrators. Revokes every session of the user. */
    public void resetPassword(long userId, String newPassword) {
        IdentityNames.password(newPassword);
        String hash = hasher.hash(newPassword);
        int rows = database.inWriteTransaction(h -> {
            int changed = h.createUpdate("UPDATE users SET password_hash = :hash WHERE id = :id")
                    .bind("hash", hash)
                    .bind("id", userId)
                    .execute();
            // whoever held the old password may hold a session or a refresh token made with it
            if (changed > 0) LoginSessions.revokeAll(h, userId, null, "password changed", clock.instant());
            return changed;
        });
        if (rows == 0) throw IdentityException.notFound("no such user");
    }

    /**
     * Creates the first administrator if there are no users yet: {@code username} (default {@value #DEFAULT_ADMIN})
     * with {@code password}, or a generated 24-character password returned once for the caller to print.
     * Empty if any user exists, including when another node bootstrapped at the same moment.
     */
    public Optional<BootstrapResult> bootstrapAdmin(String username, String password) {
        return bootstrapAdminWith(username, AdminSecret.of(hasher, password));
    }

    /**
     * A password for the first administrator (the one given, or a generated one when none is) and its hash,
     * computed only when the administrator is created.
     */
    public record AdminSecret(String password, boolean generated, Supplier<String> hash) {
        /** Hashed if and when the administrator is created (a node whose database has users never hashes it). */
        public static AdminSecret of(PasswordHasher hasher, String password) {
            String secret = chosenOrGenerated(password);
            return new AdminSecret(secret, !secret.equals(password), () -> hasher.hash(secret));
        }

        /**
         * Hashed at once, on a thread of its own: for a node that certainly creates its administrator (a new
         * database), which then hashes while its database is being created instead of after.
         */
        public static AdminSecret hashedNow(PasswordHasher hasher, String password) {
            String secret = chosenOrGenerated(password);
            return new AdminSecret(secret, !secret.equals(password),
                    ComputedAhead.start("wharf-admin-hash", () -> hasher.hash(secret)));
        }

        private static String chosenOrGenerated(String password) {
            return password == null || password.isEmpty() ? generatePassword() : password;
        }
    }

    /** As {@link #bootstrapAdmin(String, String)}, with the password and how it is hashed decided by the caller. */
    public Optional<BootstrapResult> bootstrapAdminWith(String username, AdminSecret secret) {
        if (jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one()) > 0) {
            return Optional.empty();
        }
        String name = username == null || username.isBlank() ? DEFAULT_ADMIN : IdentityNames.normalize(username);
        try {
            User admin = createUser(name, name + "@localhost", secret.password(), secret.hash(), true);
            return Optional.of(new BootstrapResult(admin,
                    secret.generated() ? Optional.of(secret.password()) : Optional.empty()));
        } catch (IdentityException e) {
            if (e.reason() == IdentityException.Reason.CONFLICT) return Optional.empty();
            throw e;
        }
    }

    private static String generatePassword() {
        StringBuilder out = new StringBuilder(GENERATED_PASSWORD_LENGTH);
        for (int i = 0; i < GENERATED_PASSWORD_LENGTH; i++) {
            out.append(PASSWORD_ALPHABET.charAt(RANDOM.nextInt(PASSWORD_ALPHABET.length())));
        }
        return out.toString();
    }

    /** Whether the name is taken, and by what. */
    public Optional<NamespaceKind> namespaceKind(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT kind FROM namespaces WHERE name = :name")
                .bind("name", IdentityNames.normalize(name))
                .mapTo(String.class)
                .findOne()
                .map(NamespaceKind::ofColumn));
    }

    private static void claimNamespace(Handle h, String name, NamespaceKind kind) {
        // Pull-through mirrors are namespaces too (docs/decisions/mirrors-namespaces.md).
        if (h.createQuery("SELECT COUNT(*) FROM mirrors WHERE name = :name").bind("name", name).mapTo(Long.class)
                .one() > 0) {
            throw IdentityException.conflict("the name '" + name + "' is already taken by a pull-through mirror");
        }
        int inserted = h.createUpdate(
                        "INSERT INTO namespaces (name, kind) VALUES (:name, :kind) ON CONFLICT (name) DO NOTHING")
                .bind("name", name)
                .bind("kind", kind.column())
                .execute();
        if (inserted == 0) throw IdentityException.conflict("the name '" + name + "' is already taken");
    }

    // --- organizations and members ---------------------------------------------------------------------

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

    private static Optional<Organization> findOrganization(Handle h, String name) {
        return h.createQuery("SELECT id, name, created_at FROM organizations WHERE name = :name")
                .bind("name", name)
                .map(IdentityRows::organization)
                .findOne();
    }

    private static Organization requireOrganization(Handle h, String name) {
        return findOrganization(h, IdentityNames.normalize(name))
                .orElseThrow(() -> IdentityException.notFound("no such organization"));
    }

    private static User requireUser(Handle h, String username) {
        return findUser(h, IdentityNames.normalize(username))
                .orElseThrow(() -> IdentityException.notFound("no such user"));
    }

    private static boolean userExists(Handle h, long userId) {
        return h.createQuery("SELECT 1 FROM users WHERE id = :id")
                .bind("id", userId)
                .mapTo(Integer.class)
                .findOne()
                .isPresent();
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

    private static Optional<OrgRole> roleOf(Handle h, String org, long userId) {
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
                .map(AccountService::member)
                .findOne());
    }

    private static List<OrgMember> members(Handle h, long orgId, Long onlyUser) {
        var query = h.createQuery("SELECT " + USER_COLUMNS + ", m.role, m.joined_at FROM org_members m"
                        + " JOIN users u ON u.id = m.user_id WHERE m.org_id = :org"
                        + (onlyUser == null ? "" : " AND m.user_id = :user") + " ORDER BY u.username")
                .bind("org", orgId);
        if (onlyUser != null) query.bind("user", onlyUser.longValue());
        return query.map(AccountService::member).list();
    }

    private static OrgMember member(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
            throws java.sql.SQLException {
        return new OrgMember(IdentityRows.user(rs, ctx), OrgRole.parse(rs.getString("role")),
                IdentityRows.instant(rs, "joined_at"));
    }

    // --- teams -----------------------------------------------------------------------------------------

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
