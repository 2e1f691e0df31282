package dev.wharf.auth;

import dev.wharf.audit.AuditAction;
import dev.wharf.storage.meta.Database;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.OptionalLong;
import org.jdbi.v3.core.Handle;

/**
 * TOTP second factor: enrollment, confirmation with recovery codes, disabling, and login verification.
 *
 * <p>Secrets are kept sealed by {@link SecretBox}, bound to the user's id. A TOTP code is accepted only for a
 * time step after the last one accepted for that user ({@code users.totp_last_step}, updated conditionally in
 * SQL), so a code seen over someone's shoulder cannot be replayed, on this node or any other. Recovery codes
 * (80 random bits each) are stored as SHA-256 and consumed by a conditional update, so each works once even
 * under concurrent use. Callers should throttle failed attempts ({@link LoginThrottle}).
 */
public final class TwoFactorService {

    public static final int RECOVERY_CODES = 10;
    private static final int RECOVERY_CODE_BYTES = 10; // 80 bits, 16 base32 characters
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database database;
    private final SecretBox box;
    private final Totp totp;
    private final Clock clock;

    public TwoFactorService(Database database, SecretBox box, Totp totp, Clock clock) {
        this.database = database;
        this.box = box;
        this.totp = totp;
        this.clock = clock;
    }

    private record State(String username, String secret, boolean enabled, String pendingSecret) {}

    /**
     * Creates a new pending secret (replacing any earlier unconfirmed one). 2FA is not on until
     * {@link #confirmEnrollment}.
     *
     * @throws IdentityException NOT_FOUND, or INVALID_STATE if 2FA is already enabled
     */
    public TotpEnrollment startEnrollment(long userId) {
        State state = state(userId);
        if (state.enabled()) throw invalidState("two-factor authentication is already enabled");
        String secret = Totp.generateSecret();
        database.inWriteTransaction(h -> h.createUpdate(
                        "UPDATE users SET totp_pending_secret = :sealed WHERE id = :id AND totp_enabled = FALSE")
                .bind("sealed", box.seal(secret, context(userId)))
                .bind("id", userId)
                .execute());
        return new TotpEnrollment(secret, Totp.otpauthUri(state.username(), secret));
    }

    /**
     * Enables 2FA if {@code code} is right for the pending secret.
     *
     * @return the ten recovery codes, to show once; only their hashes are kept
     * @throws IdentityException INVALID_STATE if no enrollment was started, INVALID_CREDENTIALS for a wrong code
     */
    public List<String> confirmEnrollment(long userId, String code) {
        return confirmEnrollment(userId, code, null);
    }

    /** As {@link #confirmEnrollment(long, String)}; revokes every other session of the user but {@code keepSession}. */
    public List<String> confirmEnrollment(long userId, String code, String keepSession) {
        State state = state(userId);
        if (state.enabled() || state.pendingSecret() == null) throw invalidState("no two-factor enrollment started");
        String secret = box.openString(state.pendingSecret(), context(userId));
        OptionalLong step = totp.matchingStep(secret, code, clock.instant());
        if (step.isEmpty()) throw wrongCode();
        List<String> codes = newRecoveryCodes();
        long now = clock.millis();
        boolean enabled = database.inWriteTransaction(h -> {
            int rows = h.createUpdate("UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL,"
                            + " totp_enabled = TRUE, totp_last_step = :step"
                            + " WHERE id = :id AND totp_enabled = FALSE AND totp_pending_secret = :pending")
                    .bind("step", step.getAsLong())
                    .bind("id", userId)
                    .bind("pending", state.pendingSecret())
                    .execute();
            if (rows == 0) return false; // restarted or confirmed concurrently
            replaceRecoveryCodes(h, userId, codes, now);
            IdentityAudit.user(h, userId, AuditAction.USER_2FA_ENABLE, "totp", Map.of(),
                    "enabled two-factor authentication", clock.instant());
            // sessions made without the second factor must not outlive its introduction
            LoginSessions.revokeAll(h, userId, keepSession, "two-factor authentication enabled", clock.instant());
            return true;
        });
        if (!enabled) throw invalidState("the enrollment changed meanwhile; start again");
        return codes;
    }

    /**
     * Turns 2FA off, given a current TOTP code or an unused recovery code.
     *
     * @throws IdentityException INVALID_STATE if not enabled, INVALID_CREDENTIALS for a wrong code
     */
    public void disable(long userId, String code) {
        disable(userId, code, null);
    }

    /** As {@link #disable(long, String)}; revokes every other session of the user but {@code keepSession}. */
    public void disable(long userId, String code, String keepSession) {
        if (!state(userId).enabled()) throw invalidState("two-factor authentication is not enabled");
        if (!verifyLogin(userId, code)) throw wrongCode();
        database.inWriteTransaction(h -> {
            h.createUpdate("UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled = FALSE,"
                            + " totp_last_step = NULL WHERE id = :id")
                    .bind("id", userId)
                    .execute();
            IdentityAudit.user(h, userId, AuditAction.USER_2FA_DISABLE, "totp", Map.of(),
                    "disabled two-factor authentication", clock.instant());
            LoginSessions.revokeAll(h, userId, keepSession, "two-factor authentication disabled", clock.instant());
            return h.createUpdate("DELETE FROM recovery_codes WHERE user_id = :id").bind("id", userId).execute();
        });
    }

    /**
     * The second step of a login: true if {@code code} is a TOTP code not used before, or an unused recovery
     * code (which is then spent). False for users without 2FA, unknown users and malformed codes.
     */
    public boolean verifyLogin(long userId, String code) {
        if (code == null) return false;
        String candidate = code.strip();
        // TOTP codes are 6 digits; recovery codes are 16 base32 characters, with or without dashes.
        if (candidate.length() <= 8 && candidate.chars().allMatch(Character::isDigit)) {
            return verifyTotp(userId, candidate);
        }
        return useRecoveryCode(userId, candidate);
    }

    private boolean verifyTotp(long userId, String code) {
        State state = findState(userId);
        if (state == null || !state.enabled()) return false;
        String secret = box.openString(state.secret(), context(userId));
        OptionalLong step = totp.matchingStep(secret, code, clock.instant());
        if (step.isEmpty()) return false;
        return database.inWriteTransaction(h -> h.createUpdate("UPDATE users SET totp_last_step = :step"
                        + " WHERE id = :id AND totp_enabled = TRUE"
                        + " AND (totp_last_step IS NULL OR totp_last_step < :step)")
                .bind("step", step.getAsLong())
                .bind("id", userId)
                .execute() == 1);
    }

    private boolean useRecoveryCode(long userId, String code) {
        String normalized = normalizeRecoveryCode(code);
        if (normalized.length() != 16) return false;
        long now = clock.millis();
        return database.inWriteTransaction(h -> h.createUpdate("UPDATE recovery_codes SET used_at = :now"
                        + " WHERE user_id = :id AND code_hash = :hash AND used_at IS NULL"
                        + " AND EXISTS (SELECT 1 FROM users u WHERE u.id = :id AND u.totp_enabled = TRUE)")
                .bind("now", now)
                .bind("id", userId)
                .bind("hash", TokenSecrets.hash(normalized))
                .execute() == 1);
    }

    /**
     * Replaces all recovery codes with ten new ones, given a current TOTP code (not a recovery code: the point
     * is usually that they ran out).
     */
    public List<String> regenerateRecoveryCodes(long userId, String totpCode) {
        if (!state(userId).enabled()) throw invalidState("two-factor authentication is not enabled");
        String code = totpCode == null ? "" : totpCode.strip();
        if (!code.chars().allMatch(Character::isDigit) || !verifyTotp(userId, code)) throw wrongCode();
        List<String> codes = newRecoveryCodes();
        long now = clock.millis();
        database.inWriteTransaction(h -> {
            replaceRecoveryCodes(h, userId, codes, now);
            IdentityAudit.user(h, userId, AuditAction.USER_2FA_RECOVERY_CODES, "totp", Map.of(),
                    "regenerated two-factor recovery codes", clock.instant());
            return null;
        });
        return codes;
    }

    public boolean isEnabled(long userId) {
        State state = findState(userId);
        return state != null && state.enabled();
    }

    public int remainingRecoveryCodes(long userId) {
        return database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = :id AND used_at IS NULL")
                .bind("id", userId)
                .mapTo(Integer.class)
                .one());
    }

    private static void replaceRecoveryCodes(Handle h, long userId, List<String> codes, long now) {
        h.createUpdate("DELETE FROM recovery_codes WHERE user_id = :id").bind("id", userId).execute();
        var batch = h.prepareBatch(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (:id, :hash, :now)");
        for (String code : codes) {
            batch.bind("id", userId)
                    .bind("hash", TokenSecrets.hash(normalizeRecoveryCode(code)))
                    .bind("now", now)
                    .add();
        }
        batch.execute();
    }

    /** Codes look like {@code abcd-efgh-ijkl-mnop}; dashes, spaces and case do not matter when typed back. */
    private static List<String> newRecoveryCodes() {
        List<String> codes = new ArrayList<>(RECOVERY_CODES);
        for (int i = 0; i < RECOVERY_CODES; i++) {
            byte[] raw = new byte[RECOVERY_CODE_BYTES];
            RANDOM.nextBytes(raw);
            String text = Base32.encode(raw).toLowerCase(Locale.ROOT);
            codes.add(text.substring(0, 4) + "-" + text.substring(4, 8) + "-" + text.substring(8, 12) + "-"
                    + text.substring(12, 16));
        }
        return codes;
    }

    private static String normalizeRecoveryCode(String code) {
        return code.replace("-", "").replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private State state(long userId) {
        State state = findState(userId);
        if (state == null) throw IdentityException.notFound("no such user");
        return state;
    }

    private State findState(long userId) {
        return database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT username, totp_secret, totp_enabled, totp_pending_secret FROM users WHERE id = :id")
                .bind("id", userId)
                .map((rs, ctx) -> new State(rs.getString("username"), rs.getString("totp_secret"),
                        rs.getBoolean("totp_enabled"), rs.getString("totp_pending_secret")))
                .findOne()
                .orElse(null));
    }

    /** Binds a sealed secret to its user: copied into another row, it does not open. */
    private static String context(long userId) {
        return "totp:" + userId;
    }

    private static IdentityException invalidState(String message) {
        return new IdentityException(IdentityException.Reason.INVALID_STATE, message);
    }

    private static IdentityException wrongCode() {
        return new IdentityException(IdentityException.Reason.INVALID_CREDENTIALS, "the code is not valid");
    }
}
