package dev.wharf.auth;

import java.time.Instant;

/**
 * A live sign-in of a user, as {@link LoginSessions} keeps it: a Hub session (API bearer token or console cookie,
 * {@link Kind#SESSION}) or a registry refresh token ({@code docker login}, {@link Kind#REFRESH}).
 *
 * @param tokenUuid the personal access token it was made from, or null for a password sign-in
 */
public record LoginSession(String id, long userId, Kind kind, String tokenUuid, Instant createdAt,
        Instant expiresAt, String clientIp, String userAgent) {

    public enum Kind {
        SESSION("session"),
        REFRESH("refresh");

        private final String column;

        Kind(String column) {
            this.column = column;
        }

        public String column() {
            return column;
        }

        static Kind of(String column) {
            return column.equals("refresh") ? REFRESH : SESSION;
        }
    }

    /** Where a sign-in came from, as the request showed it (kept for the owner's list; never trusted). */
    public record Origin(String clientIp, String userAgent) {
        public static final Origin UNKNOWN = new Origin("", "");
    }
}
