package dev.wharf.auth;

import static dev.wharf.auth.IdentityRows.USER_COLUMNS;

import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.NamespaceLock;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Users, their passwords, the first administrator, and the namespace names users and organizations share; with
 * {@link #organizations()} and {@link #teams()} for the rest of the identity directory.
 *
 * <p>Users and organizations share one namespace: each name is a row of {@code namespaces} inserted in the
 * same transaction as the account, so two nodes can never give a name to both. Names are stored lower case;
 * lookups lower-case their argument. These services check data rules (validation, last owner, team members
 * must be organization members); who may call what (an owner managing members, say) is the caller's check,
 * with {@link OrganizationService#roleOf}.
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
    private final OrganizationService organizations;
    private final TeamService teams;
    private volatile String dummyHash; // verified against when a user is missing, so timing does not tell

    public AccountService(Database database, PasswordHasher hasher, Clock clock) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.hasher = hasher;
        this.clock = clock;
        this.organizations = new OrganizationService(database, clock);
        this.teams = new TeamService(database, clock);
    }

    /** Organizations and their members. */
    public OrganizationService organizations() {
        return organizations;
    }

    /** Teams, their members and their permissions on repositories. */
    public TeamService teams() {
        return teams;
    }

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

    static Optional<User> findUser(Handle h, String username) {
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

    static void claimNamespace(Handle h, String name, NamespaceKind kind) {
        // Pull-through mirrors are namespaces too (docs/decisions/mirrors-namespaces.md); the lock keeps a mirror
        // of this name from being created between the check and the insert.
        NamespaceLock.lock(h, name);
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

    static User requireUser(Handle h, String username) {
        return findUser(h, IdentityNames.normalize(username))
                .orElseThrow(() -> IdentityException.notFound("no such user"));
    }

    static boolean userExists(Handle h, long userId) {
        return h.createQuery("SELECT 1 FROM users WHERE id = :id")
                .bind("id", userId)
                .mapTo(Integer.class)
                .findOne()
                .isPresent();
    }

}
