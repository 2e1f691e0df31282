package dev.wharf.auth;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.jdbi.v3.core.statement.StatementContext;

/** Row mappers shared by the auth services: instants are epoch milliseconds, lists are space-separated. */
final class IdentityRows {

    /** The user columns a {@link User} needs, from a table aliased {@code u}. */
    static final String USER_COLUMNS = "u.id, u.username, u.email, u.is_admin, u.created_at, u.totp_enabled";

    private IdentityRows() {}

    static User user(ResultSet rs, StatementContext ctx) throws SQLException {
        return new User(rs.getLong("id"), rs.getString("username"), rs.getString("email"), rs.getBoolean("is_admin"),
                instant(rs, "created_at"), rs.getBoolean("totp_enabled"));
    }

    static Organization organization(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Organization(rs.getLong("id"), rs.getString("name"), instant(rs, "created_at"));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    static List<String> words(String text) {
        return text == null || text.isBlank() ? List.of() : Arrays.asList(text.strip().split(" +"));
    }

    static String joinWords(List<String> words) {
        return String.join(" ", words);
    }
}
