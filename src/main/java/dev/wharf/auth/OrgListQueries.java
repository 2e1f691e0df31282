package dev.wharf.auth;

import static dev.wharf.auth.IdentityRows.USER_COLUMNS;

import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.SqlText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * An organization's members and teams as the Hub lists them: filtered, ordered and paged by the database, and a
 * page's team names fetched in one statement, so a page costs the same few statements whatever its size.
 * Substring filters are case-sensitive on both dialects ({@code instr} / {@code strpos}, not {@code LIKE}, which
 * SQLite compares case-insensitively). An organization that does not exist has no members and no teams.
 */
public final class OrgListQueries {
    /** A member and the names of the organization's teams they are in, by team name. */
    public record MemberRow(OrgMember member, List<String> teams) {}

    private final Database database;

    OrgListQueries(Database database) {
        this.database = database;
    }

    /**
     * Members by username, {@code limit} from {@code offset}, and how many match.
     *
     * @param role only members with this role; null for all
     * @param search only usernames containing this text; null for all
     */
    public Page<MemberRow> members(String org, OrgRole role, String search, long offset, int limit) {
        String from = " FROM org_members m JOIN organizations o ON o.id = m.org_id JOIN users u ON u.id = m.user_id"
                + " WHERE o.name = :org" + (role == null ? "" : " AND m.role = :role")
                + (search == null ? "" : " AND " + contains("u.username", ":search"));
        return database.jdbi().withHandle(h -> {
            long total = bind(h.createQuery("SELECT COUNT(*)" + from), org, role, search).mapTo(Long.class).one();
            if (offset >= total) return new Page<>(List.of(), total);
            List<OrgMember> members = bind(h.createQuery("SELECT " + USER_COLUMNS + ", m.role, m.joined_at" + from
                            + " ORDER BY u.username LIMIT :limit OFFSET :offset"), org, role, search)
                    .bind("limit", limit).bind("offset", offset)
                    .map((rs, ctx) -> new OrgMember(IdentityRows.user(rs, ctx), OrgRole.parse(rs.getString("role")),
                            IdentityRows.instant(rs, "joined_at")))
                    .list();
            Map<Long, List<String>> teams = teamNames(h, org, members.stream().map(m -> m.user().id()).toList());
            return new Page<>(members.stream().map(m -> new MemberRow(m, teams.getOrDefault(m.user().id(),
                    List.of()))).toList(), total);
        });
    }

    /** The names of the organization's teams the user is in, by team name. */
    public List<String> teamsOf(String org, long userId) {
        return database.jdbi().withHandle(h -> teamNames(h, org, List.of(userId)).getOrDefault(userId, List.of()));
    }

    /** The names of the organization's teams each of these users is in, by team name: one statement. */
    private static Map<Long, List<String>> teamNames(Handle h, String org, List<Long> userIds) {
        Map<Long, List<String>> out = new HashMap<>();
        if (userIds.isEmpty()) return out;
        h.createQuery("SELECT tm.user_id, t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id"
                        + " JOIN organizations o ON o.id = t.org_id WHERE o.name = :org AND tm.user_id IN (<users>)"
                        + " ORDER BY t.name")
                .bind("org", IdentityNames.normalize(org)).bindList("users", userIds)
                .map((rs, ctx) -> out.computeIfAbsent(rs.getLong("user_id"), k -> new ArrayList<>())
                        .add(rs.getString("name")))
                .list();
        return out;
    }

    /**
     * Teams by name, {@code limit} from {@code offset}, and how many match.
     *
     * @param search only team names containing this text; null for all
     * @param member only teams this user (by exact username) is in; null for all
     */
    public Page<Team> teams(String org, String search, String member, long offset, int limit) {
        String from = " FROM teams t JOIN organizations o ON o.id = t.org_id WHERE o.name = :org"
                + (search == null ? "" : " AND " + contains("t.name", ":search"))
                + (member == null ? "" : " AND EXISTS (SELECT 1 FROM team_members tm JOIN users u"
                        + " ON u.id = tm.user_id WHERE tm.team_id = t.id AND u.username = :member)");
        return database.jdbi().withHandle(h -> {
            Query count = bind(h.createQuery("SELECT COUNT(*)" + from), org, null, search);
            if (member != null) count.bind("member", member);
            long total = count.mapTo(Long.class).one();
            if (offset >= total) return new Page<>(List.of(), total);
            Query page = bind(h.createQuery("SELECT t.id, o.name AS org, t.name, t.description, t.created_at,"
                            + " (SELECT COUNT(*) FROM team_members tm WHERE tm.team_id = t.id) AS member_count" + from
                            + " ORDER BY t.name LIMIT :limit OFFSET :offset"), org, null, search)
                    .bind("limit", limit).bind("offset", offset);
            if (member != null) page.bind("member", member);
            return new Page<>(page.map((rs, ctx) -> new Team(rs.getLong("id"), rs.getString("org"),
                    rs.getString("name"), rs.getString("description"), IdentityRows.instant(rs, "created_at"),
                    rs.getLong("member_count"))).list(), total);
        });
    }

    private static Query bind(Query query, String org, OrgRole role, String search) {
        query.bind("org", IdentityNames.normalize(org));
        if (role != null) query.bind("role", role.wireName());
        if (search != null) query.bind("search", search);
        return query;
    }

    /** {@code column} contains {@code parameter}, case-sensitively, in this database's dialect. */
    private String contains(String column, String parameter) {
        return SqlText.contains(database.dialect(), column, parameter);
    }
}
