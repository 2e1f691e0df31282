package dev.wharf.auth;

import dev.wharf.audit.AuditAction;
import dev.wharf.storage.meta.Database;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The server-side list of live sessions and refresh tokens (table {@code login_sessions}, migration V16). Every
 * such token issued to a user carries the id of its row (claim {@code sid}); a token is honoured only while its row
 * exists, so revoking one is deleting its row, and every node sees it on the token's next use (there is no cache).
 * Revoking all of a user's sessions (password change, 2FA change, "sign out everywhere") also moves the user's
 * cutoff ({@code session_cutoffs}): tokens without a row (from before V16, and registry bearer tokens) count only
 * if issued after it.
 */
public final class LoginSessions {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final int MAX_USER_AGENT = 200;
    /** Live rows kept per user; a script that signs in on every run must not grow the table without bound. */
    public static final int MAX_PER_USER = 500;

    private final Database database;
    private final Clock clock;

    public LoginSessions(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * Records a new session and returns its id; also drops the user's expired rows and, past
     * {@value #MAX_PER_USER} live ones, the oldest.
     */
    public String open(long userId, LoginSession.Kind kind, String tokenUuid, Instant expiresAt,
            LoginSession.Origin origin) {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        long now = clock.millis();
        database.inWriteTransaction(h -> {
            h.createUpdate("DELETE FROM login_sessions WHERE user_id = :user AND expires_at < :now")
                    .bind("user", userId).bind("now", now).execute();
            h.createUpdate("""
                            INSERT INTO login_sessions (id, user_id, kind, token_uuid, created_at, expires_at,
                                client_ip, user_agent)
                            VALUES (:id, :user, :kind, :token, :now, :expires, :ip, :agent)""")
                    .bind("id", id)
                    .bind("user", userId)
                    .bind("kind", kind.column())
                    .bind("token", tokenUuid)
                    .bind("now", now)
                    .bind("expires", expiresAt.toEpochMilli())
                    .bind("ip", printable(origin.clientIp(), 64))
                    .bind("agent", printable(origin.userAgent(), MAX_USER_AGENT))
                    .execute();
            // beyond the cap, the oldest sessions of the user are revoked
            return h.createUpdate("""
                            DELETE FROM login_sessions WHERE user_id = :user AND created_at < (
                                SELECT created_at FROM login_sessions WHERE user_id = :user
                                ORDER BY created_at DESC LIMIT 1 OFFSET :cap)""")
                    .bind("user", userId).bind("cap", MAX_PER_USER - 1).execute();
        });
        return id;
    }

    /** Whether the session is live: its row exists, belongs to the user and has not expired. */
    public boolean isLive(String id, long userId) {
        return database.queryOne("SELECT expires_at FROM login_sessions WHERE id = ? AND user_id = ?",
                q -> {
                    q.setString(1, id);
                    q.setLong(2, userId);
                }, (rs, ctx) -> rs.getLong(1))
                .filter(expires -> expires > clock.millis())
                .isPresent();
    }

    /** Whether a token without a session row, issued at {@code issuedAt}, predates the user's last revoke-all. */
    public boolean revokedBefore(long userId, Instant issuedAt) {
        return database.queryOne("SELECT revoked_before FROM session_cutoffs WHERE user_id = ?",
                q -> q.setLong(1, userId), (rs, ctx) -> rs.getLong(1))
                .filter(cutoff -> issuedAt.toEpochMilli() <= cutoff)
                .isPresent();
    }

    /** The user's live sessions and refresh tokens, newest first. */
    public List<LoginSession> list(long userId) {
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT id, user_id, kind, token_uuid, created_at, expires_at, client_ip, user_agent
                        FROM login_sessions WHERE user_id = :user AND expires_at > :now
                        ORDER BY created_at DESC, id""")
                .bind("user", userId)
                .bind("now", clock.millis())
                .map((rs, ctx) -> new LoginSession(rs.getString(1), rs.getLong(2),
                        LoginSession.Kind.of(rs.getString(3)), rs.getString(4), Instant.ofEpochMilli(rs.getLong(5)),
                        Instant.ofEpochMilli(rs.getLong(6)), rs.getString(7), rs.getString(8)))
                .list());
    }

    /** Revokes one of the user's sessions; false if the user has no such session. */
    public boolean revoke(long userId, String id) {
        return database.inWriteTransaction(h -> {
            Optional<String> kind = h.createQuery(
                            "SELECT kind FROM login_sessions WHERE id = :id AND user_id = :user")
                    .bind("id", id).bind("user", userId).mapTo(String.class).findOne();
            if (kind.isEmpty()) return false;
            h.createUpdate("DELETE FROM login_sessions WHERE id = :id").bind("id", id).execute();
            IdentityAudit.user(h, userId, AuditAction.USER_SESSION_REVOKE, kind.get(), Map.of("session", id),
                    "revoked a " + (kind.get().equals("refresh") ? "refresh token" : "session"), clock.instant());
            return true;
        });
    }

    /** Revokes every session and refresh token of the user but {@code keepId} (may be null); see the class. */
    public void revokeAll(long userId, String keepId, String reason) {
        database.inWriteTransaction(h -> {
            revokeAll(h, userId, keepId, reason, clock.instant());
            return null;
        });
    }

    /** {@link #revokeAll(long, String, String)} inside the caller's transaction (the change that calls for it). */
    static void revokeAll(Handle h, long userId, String keepId, String reason, Instant now) {
        h.createUpdate("DELETE FROM login_sessions WHERE user_id = :user AND id <> :keep")
                .bind("user", userId)
                .bind("keep", keepId == null ? "" : keepId)
                .execute();
        h.createUpdate("""
                        INSERT INTO session_cutoffs (user_id, revoked_before) VALUES (:user, :now)
                        ON CONFLICT (user_id) DO UPDATE SET revoked_before = excluded.revoked_before""")
                .bind("user", userId).bind("now", now.toEpochMilli()).execute();
        IdentityAudit.user(h, userId, AuditAction.USER_SESSION_REVOKE, "all", Map.of("reason", reason),
                "revoked all sessions and refresh tokens" + (keepId == null ? "" : " but the current one")
                        + " (" + reason + ")", now);
    }

    /** Keeps printable characters only, bounded: what a client sends must not break a row (NUL) or a page. */
    static String printable(String value, int max) {
        if (value == null) return "";
        StringBuilder out = new StringBuilder();
        value.codePoints().filter(c -> c >= 0x20 && c != 0x7f && (c < 0xD800 || c > 0xDFFF))
                .limit(max).forEach(out::appendCodePoint);
        return out.toString();
    }
}
