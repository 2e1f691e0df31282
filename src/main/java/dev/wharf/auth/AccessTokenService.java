package dev.wharf.auth;

import dev.wharf.audit.AuditAction;
import dev.wharf.storage.meta.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Personal access tokens ({@code dckr_pat_...}): usable instead of the password with the registry and the
 * Hub API, limited by their scope. Only a hash of each token is stored (see {@link TokenSecrets}).
 *
 * <p>All methods that take a {@code userId} act on that user's tokens only: another user's token is
 * {@code NOT_FOUND}, exactly like a missing one.
 */
public final class AccessTokenService {

    /** {@code last_used} is written at most this often per token, so authentication rarely writes. */
    static final long LAST_USED_RESOLUTION_MILLIS = 60_000;

    private static final String COLUMNS = "t.uuid, t.user_id, u.username, u.is_admin, t.token_label, t.scopes,"
            + " t.is_active, t.created_at, t.last_used, t.expires_at, t.generated_by, t.creator_ip, t.creator_ua,"
            + " t.client_id, t.secret_hash FROM personal_access_tokens t JOIN users u ON u.id = t.user_id ";

    private final Database database;
    private final Clock clock;

    public AccessTokenService(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * @param scopes Docker Hub scope names; duplicates dropped, at least one
     * @param expiresAt null for a token that never expires; else in the future
     * @throws IdentityException INVALID_INPUT (label, scopes, expiry), NOT_FOUND (user)
     */
    public CreatedToken<PersonalAccessToken> create(long userId, String tokenLabel, List<String> scopes,
            Instant expiresAt, TokenOrigin origin) {
        IdentityNames.label(tokenLabel, "token_label");
        List<String> clean = validScopes(scopes);
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw IdentityException.invalid("expires_at must be in the future");
        }
        TokenSecrets.Issued issued = TokenSecrets.issue(TokenSecrets.PAT_PREFIX);
        String uuid = UUID.randomUUID().toString();
        TokenOrigin from = origin == null ? TokenOrigin.manual(null, null) : origin;
        database.inWriteTransaction(h -> {
            boolean userExists = h.createQuery("SELECT 1 FROM users WHERE id = :id")
                    .bind("id", userId)
                    .mapTo(Integer.class)
                    .findOne()
                    .isPresent();
            if (!userExists) throw IdentityException.notFound("no such user");
            h.createUpdate("INSERT INTO personal_access_tokens (uuid, user_id, token_label, scopes, is_active,"
                            + " created_at, expires_at, generated_by, creator_ip, creator_ua, client_id, lookup_prefix,"
                            + " secret_hash) VALUES (:uuid, :user, :label, :scopes, TRUE, :now, :expires, :generatedBy,"
                            + " :ip, :ua, :client, :lookup, :hash)")
                    .bind("uuid", uuid)
                    .bind("user", userId)
                    .bind("label", tokenLabel)
                    .bind("scopes", IdentityRows.joinWords(clean))
                    .bind("now", now.toEpochMilli())
                    .bind("expires", IdentityRows.millis(expiresAt))
                    .bind("generatedBy", from.generatedBy())
                    .bind("ip", from.creatorIp())
                    .bind("ua", from.creatorUa())
                    .bind("client", from.clientId())
                    .bind("lookup", issued.lookupPrefix())
                    .bind("hash", issued.hash())
                    .execute();
            IdentityAudit.user(h, userId, AuditAction.ACCESS_TOKEN_CREATE, tokenLabel,
                    Map.of("uuid", uuid, "scopes", String.join(",", clean)),
                    "created the access token " + tokenLabel, now);
            return null;
        });
        return new CreatedToken<>(get(userId, uuid).orElseThrow(), issued.token());
    }

    private static List<String> validScopes(List<String> scopes) {
        if (scopes == null || scopes.isEmpty()) throw IdentityException.invalid("scopes must not be empty");
        LinkedHashSet<String> clean = new LinkedHashSet<>();
        for (String scope : scopes) clean.add(AccessScope.parse(scope).wireName());
        return List.copyOf(clean);
    }

    /** The user's tokens, newest first; {@code page} from 1, {@code pageSize} 1 to 100. */
    public TokenPage list(long userId, int page, int pageSize) {
        Paging paging = Paging.of(page, pageSize);
        return database.jdbi().withHandle(h -> new TokenPage(
                h.createQuery("SELECT " + COLUMNS + "WHERE t.user_id = :user ORDER BY t.created_at DESC, t.uuid"
                                + " LIMIT :limit OFFSET :offset")
                        .bind("user", userId)
                        .bind("limit", paging.limit())
                        .bind("offset", paging.offset())
                        .map(AccessTokenService::token)
                        .list(),
                h.createQuery("SELECT COUNT(*) FROM personal_access_tokens WHERE user_id = :user")
                        .bind("user", userId).mapTo(Long.class).one(),
                h.createQuery("SELECT COUNT(*) FROM personal_access_tokens WHERE user_id = :user AND is_active = TRUE")
                        .bind("user", userId).mapTo(Long.class).one()));
    }

    public Optional<PersonalAccessToken> get(long userId, String uuid) {
        return database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT " + COLUMNS + "WHERE t.uuid = :uuid AND t.user_id = :user")
                .bind("uuid", uuid)
                .bind("user", userId)
                .map(AccessTokenService::token)
                .findOne());
    }

    /**
     * Changes the label and/or the active flag (nulls leave a field as it is).
     *
     * @throws IdentityException NOT_FOUND, INVALID_INPUT (label)
     */
    public PersonalAccessToken update(long userId, String uuid, String tokenLabel, Boolean isActive) {
        if (tokenLabel != null) IdentityNames.label(tokenLabel, "token_label");
        int rows = database.inWriteTransaction(h -> {
            int n = h.createUpdate("UPDATE personal_access_tokens"
                            + " SET token_label = COALESCE(:label, token_label), is_active = COALESCE(:active, is_active)"
                            + " WHERE uuid = :uuid AND user_id = :user")
                    .bind("label", tokenLabel)
                    .bind("active", isActive)
                    .bind("uuid", uuid)
                    .bind("user", userId)
                    .execute();
            if (n > 0) {
                IdentityAudit.user(h, userId, AuditAction.ACCESS_TOKEN_UPDATE, uuid, changes(tokenLabel, isActive),
                        "updated the access token " + uuid, clock.instant());
            }
            return n;
        });
        if (rows == 0) throw IdentityException.notFound("no such access token");
        return get(userId, uuid).orElseThrow();
    }

    /** @return false if the user has no such token */
    public boolean delete(long userId, String uuid) {
        return database.inWriteTransaction(h -> {
            boolean deleted = h.createUpdate(
                            "DELETE FROM personal_access_tokens WHERE uuid = :uuid AND user_id = :user")
                    .bind("uuid", uuid)
                    .bind("user", userId)
                    .execute() > 0;
            if (deleted) {
                IdentityAudit.user(h, userId, AuditAction.ACCESS_TOKEN_DELETE, uuid, Map.of("uuid", uuid),
                        "deleted the access token " + uuid, clock.instant());
            }
            return deleted;
        });
    }

    static Map<String, String> changes(String label, Boolean isActive) {
        Map<String, String> data = new java.util.LinkedHashMap<>();
        if (label != null) data.put("token_label", label);
        if (isActive != null) data.put("is_active", isActive.toString());
        return data;
    }

    /**
     * The principal a {@code username} + token pair stands for, or empty when the token is not this user's, is
     * inactive, expired, or wrong: all the same to the caller. Records the use in {@code last_used}.
     */
    public Optional<Principal.PersonalToken> authenticate(String username, String secret) {
        Optional<String> lookup = TokenSecrets.lookupPrefix(TokenSecrets.PAT_PREFIX, secret);
        // Hash even a malformed secret, so the answer takes the same time either way.
        String hash = TokenSecrets.hash(secret == null ? "" : secret);
        if (lookup.isEmpty()) return Optional.empty();
        String name = IdentityNames.normalize(username);
        Instant now = clock.instant();
        List<Row> candidates = database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT " + COLUMNS + "WHERE t.lookup_prefix = :lookup")
                .bind("lookup", lookup.get())
                .map(AccessTokenService::row)
                .list());
        Row match = null;
        for (Row candidate : candidates) {
            boolean same = TokenSecrets.sameHash(hash, candidate.secretHash());
            if (same && match == null) match = candidate;
        }
        if (match == null) return Optional.empty();
        PersonalAccessToken token = match.token();
        boolean live = token.isActive() && (token.expiresAt() == null || now.isBefore(token.expiresAt()));
        if (!live || !token.username().equals(name)) return Optional.empty();
        touch(token, now);
        Principal.UserPrincipal user = new Principal.UserPrincipal(token.userId(), token.username(), match.admin());
        return Optional.of(new Principal.PersonalToken(user, token.scope(), token.uuid(), true, token.expiresAt()));
    }

    private void touch(PersonalAccessToken token, Instant now) {
        if (!lastUseIsStale(token.lastUsed(), now)) return;
        database.inWriteTransaction(h -> h.createUpdate(
                        "UPDATE personal_access_tokens SET last_used = :now WHERE uuid = :uuid")
                .bind("now", now.toEpochMilli())
                .bind("uuid", token.uuid())
                .execute());
    }

    /** Whether a use at {@code now} should be written, given the recorded last use (null: never used). */
    static boolean lastUseIsStale(Instant lastUsed, Instant now) {
        return lastUsed == null || now.toEpochMilli() - lastUsed.toEpochMilli() >= LAST_USED_RESOLUTION_MILLIS;
    }

    private record Row(PersonalAccessToken token, boolean admin, String secretHash) {}

    private static Row row(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Row(token(rs, ctx), rs.getBoolean("is_admin"), rs.getString("secret_hash"));
    }

    private static PersonalAccessToken token(ResultSet rs, StatementContext ctx) throws SQLException {
        return new PersonalAccessToken(rs.getString("uuid"), rs.getLong("user_id"), rs.getString("username"),
                rs.getString("token_label"), IdentityRows.words(rs.getString("scopes")), rs.getBoolean("is_active"),
                IdentityRows.instant(rs, "created_at"), IdentityRows.instant(rs, "last_used"),
                IdentityRows.instant(rs, "expires_at"), rs.getString("generated_by"), rs.getString("creator_ip"),
                rs.getString("creator_ua"), rs.getString("client_id"));
    }
}
