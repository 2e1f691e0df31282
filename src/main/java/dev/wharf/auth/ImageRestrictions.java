package dev.wharf.auth;

import dev.wharf.audit.AuditAction;
import dev.wharf.storage.meta.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Restricted images: an organization may limit what its members pull through the registry to the organization's
 * own images plus namespaces an administrator marked official or verified publisher ({@code namespace_badges}).
 * A member of several organizations may pull from any of their organizations' namespaces; anything else must be
 * allowed by every restricting organization. Administrators, anonymous callers and organization tokens are not
 * members and are not restricted.
 */
public final class ImageRestrictions {

    /** An organization's {@code restricted_images} setting; organizations without a row have {@link #DEFAULT}. */
    public record Settings(boolean enabled, boolean allowOfficialImages, boolean allowVerifiedPublishers) {
        public static final Settings DEFAULT = new Settings(false, true, true);
    }

    public record Badges(boolean official, boolean verifiedPublisher) {
        public static final Badges NONE = new Badges(false, false);
    }

    private final Database database;
    private final Jdbi jdbi;
    private final AccountService accounts;
    private final Clock clock;

    public ImageRestrictions(Database database, AccountService accounts, Clock clock) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.accounts = accounts;
        this.clock = clock;
    }

    public Settings settings(String org) {
        return jdbi.withHandle(h -> settings(h, IdentityNames.normalize(org)));
    }

    /** @throws IdentityException NOT_FOUND for an organization that does not exist */
    public Settings setSettings(String org, Settings s) {
        String name = accounts.organizations().findOrganization(org).orElseThrow(() -> IdentityException.notFound(
                "no such organization")).name();
        Instant now = clock.instant();
        return database.inWriteTransaction(h -> {
            h.createUpdate("""
                            INSERT INTO org_settings (org, restricted_enabled, allow_official_images,
                                allow_verified_publishers, updated_at)
                            VALUES (:org, :enabled, :official, :verified, :now) ON CONFLICT (org) DO UPDATE SET
                                restricted_enabled = excluded.restricted_enabled,
                                allow_official_images = excluded.allow_official_images,
                                allow_verified_publishers = excluded.allow_verified_publishers,
                                updated_at = excluded.updated_at""")
                    .bind("org", name).bind("enabled", s.enabled()).bind("official", s.allowOfficialImages())
                    .bind("verified", s.allowVerifiedPublishers()).bind("now", now.toEpochMilli())
                    .execute();
            IdentityAudit.org(h, name, AuditAction.ORG_SETTINGS_CHANGE, name, Map.of(
                            "restricted_images.enabled", String.valueOf(s.enabled()),
                            "restricted_images.allow_official_images", String.valueOf(s.allowOfficialImages()),
                            "restricted_images.allow_verified_publishers",
                            String.valueOf(s.allowVerifiedPublishers())),
                    "changed the settings of the organization " + name, now);
            return settings(h, name);
        });
    }

    public Badges badges(String namespace) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT official, verified_publisher FROM namespace_badges WHERE namespace = :ns")
                .bind("ns", IdentityNames.normalize(namespace))
                .map((rs, ctx) -> new Badges(rs.getBoolean(1), rs.getBoolean(2)))
                .findOne()
                .orElse(Badges.NONE));
    }

    /** Marks a namespace (callers check it exists and that an administrator asks). */
    public Badges setBadges(String namespace, Badges b) {
        String ns = IdentityNames.normalize(namespace);
        Instant now = clock.instant();
        database.inWriteTransaction(h -> {
            h.createUpdate("""
                            INSERT INTO namespace_badges (namespace, official, verified_publisher, updated_at)
                            VALUES (:ns, :official, :verified, :now) ON CONFLICT (namespace) DO UPDATE SET
                                official = excluded.official, verified_publisher = excluded.verified_publisher,
                                updated_at = excluded.updated_at""")
                    .bind("ns", ns).bind("official", b.official()).bind("verified", b.verifiedPublisher())
                    .bind("now", now.toEpochMilli())
                    .execute();
            IdentityAudit.org(h, ns, AuditAction.NAMESPACE_BADGES_CHANGE, ns, Map.of("official",
                    String.valueOf(b.official()), "verified_publisher", String.valueOf(b.verifiedPublisher())),
                    "changed the badges of the namespace " + ns, now);
            return null;
        });
        return badges(ns);
    }

    /** Why the principal may not pull the repository, or empty when no organization of theirs forbids it. */
    public Optional<String> pullRefusal(Principal principal, String repository) {
        Optional<Restriction> restriction = restriction(principal);
        if (restriction.isEmpty()) return Optional.empty();
        String namespace = Permissions.namespaceOf(repository);
        if (restriction.get().orgs().contains(namespace)) return Optional.empty();
        Badges badges = badges(namespace);
        for (Map.Entry<String, Settings> r : restriction.get().restricting()) {
            if (!allows(r.getValue(), badges)) {
                return Optional.of("the organization " + r.getKey() + " restricts the images its members may pull;"
                        + " " + repository + " is not among them");
            }
        }
        return Optional.empty();
    }

    /**
     * The namespaces the principal may pull from at all when an organization of theirs restricts images (their
     * organizations' own, and the badged namespaces every restricting organization allows), or empty when nothing
     * restricts them: {@link #pullRefusal} as a set, for a search that filters many repositories at once.
     */
    public Optional<Set<String>> pullableNamespaces(Principal principal) {
        Optional<Restriction> restriction = restriction(principal);
        if (restriction.isEmpty()) return Optional.empty();
        Set<String> namespaces = new java.util.HashSet<>(restriction.get().orgs());
        // Badges are set by administrators, a short list: read it whole.
        jdbi.withHandle(h -> h.createQuery("SELECT namespace, official, verified_publisher FROM namespace_badges")
                        .map((rs, ctx) -> Map.entry(rs.getString(1), new Badges(rs.getBoolean(2), rs.getBoolean(3))))
                        .list())
                .stream()
                .filter(b -> restriction.get().restricting().stream().allMatch(r -> allows(r.getValue(), b.getValue())))
                .forEach(b -> namespaces.add(b.getKey()));
        return Optional.of(Set.copyOf(namespaces));
    }

    /** A restricted member's organizations, and those of them that restrict images (never empty). */
    private record Restriction(Set<String> orgs, List<Map.Entry<String, Settings>> restricting) {}

    /** Administrators, anonymous callers and organization tokens are never restricted; members may be. */
    private Optional<Restriction> restriction(Principal principal) {
        Principal.UserPrincipal user = switch (principal) {
            case Principal.UserPrincipal u -> u;
            case Principal.PersonalToken t -> t.user();
            default -> null;
        };
        if (user == null || user.admin()) return Optional.empty();
        Set<String> orgs = accounts.organizations().organizationsOf(user.userId()).stream().map(Organization::name)
                .collect(Collectors.toSet());
        if (orgs.isEmpty()) return Optional.empty();
        List<Map.Entry<String, Settings>> restricting = jdbi.withHandle(h -> orgs.stream()
                .map(o -> Map.entry(o, settings(h, o))).filter(e -> e.getValue().enabled()).toList());
        return restricting.isEmpty() ? Optional.empty() : Optional.of(new Restriction(orgs, restricting));
    }

    private static boolean allows(Settings s, Badges badges) {
        return (s.allowOfficialImages() && badges.official())
                || (s.allowVerifiedPublishers() && badges.verifiedPublisher());
    }

    private static Settings settings(Handle h, String org) {
        return h.createQuery("SELECT restricted_enabled, allow_official_images, allow_verified_publishers"
                        + " FROM org_settings WHERE org = :org")
                .bind("org", org)
                .map((rs, ctx) -> new Settings(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3)))
                .findOne()
                .orElse(Settings.DEFAULT);
    }
}
