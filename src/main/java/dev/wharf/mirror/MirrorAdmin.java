package dev.wharf.mirror;

import dev.wharf.audit.AuditAction;
import dev.wharf.config.MirrorsConfig;
import dev.wharf.upstream.Credentials;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The rules for defining mirrors, shared by the configuration (applied at start) and the admin API: names are
 * namespaces and may not be a user's or organization's, upstreams are plain http(s) URLs, and a mirror defined
 * in the configuration is changed only there.
 */
public final class MirrorAdmin {
    /** A refused change, with the HTTP status the admin API answers. */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * What the admin API asks for; null fields keep the current value (or take the default for a new mirror). A
     * null {@code evictUnusedSeconds} keeps it too, unless {@code evictUnusedDefault}: then the mirror goes back to
     * the server's setting.
     */
    public record Change(String upstream, String username, String secret, Long revalidateSeconds,
            Boolean anonymousPulls, Long evictUnusedSeconds, boolean evictUnusedDefault) {
        public Change(String upstream, String username, String secret, Long revalidateSeconds,
                Boolean anonymousPulls) {
            this(upstream, username, secret, revalidateSeconds, anonymousPulls, null, false);
        }
    }

    /** The longest eviction setting, as for every duration of the configuration. */
    static final Duration MAX_EVICT = Duration.ofDays(36500);

    private final Mirrors mirrors;
    private final MirrorStore store;
    private final Clock clock;
    private final MirrorsConfig config;

    public MirrorAdmin(Mirrors mirrors, MirrorsConfig config, Clock clock) {
        this.mirrors = mirrors;
        this.store = mirrors.store();
        this.config = config;
        this.clock = clock;
    }

    /**
     * Makes the database match {@code mirrors.upstreams}: creates or updates each defined mirror (audited as the
     * system, only when something changed) and removes config mirrors no longer defined.
     *
     * @throws Refused when a defined name belongs to a user or organization
     */
    public void applyConfig() {
        Instant now = clock.instant();
        Set<String> names = config.defined().stream().map(MirrorsConfig.Defined::name).collect(Collectors.toSet());
        for (MirrorsConfig.Defined d : config.defined()) {
            Credentials creds = d.username() == null ? null : new Credentials(d.username(), d.secret());
            Optional<Mirror> existing = store.find(d.name());
            Mirror wanted = new Mirror(d.name(), d.upstream(), creds, config.revalidateAfter(), config.anonymousPulls(),
                    d.evictUnusedAfter(), Mirror.CONFIG, existing.map(Mirror::createdAt).orElse(now), now);
            if (existing.isPresent() && same(existing.get(), wanted)) continue;
            try {
                store.put(wanted, AuditAction.MIRROR_CREATE, AuditAction.MIRROR_UPDATE); // checks the name, locked
            } catch (MirrorStore.NameTaken e) {
                throw new Refused(409, "mirrors.upstreams defines the mirror '" + d.name() + "', but a user or"
                        + " organization has that name; choose another mirror name");
            }
        }
        for (Mirror m : store.list()) {
            if (m.managedBy().equals(Mirror.CONFIG) && !names.contains(m.name())) {
                store.delete(m.name(), AuditAction.MIRROR_DELETE, now);
            }
        }
        mirrors.reload();
    }

    private static boolean same(Mirror a, Mirror b) {
        return a.upstream().equals(b.upstream()) && Objects.equals(a.credentials(), b.credentials())
                && a.revalidateAfter().equals(b.revalidateAfter()) && a.anonymousPulls() == b.anonymousPulls()
                && Objects.equals(a.evictUnusedAfter(), b.evictUnusedAfter()) && a.managedBy().equals(b.managedBy());
    }

    public List<Mirror> list() {
        mirrors.reload();
        return mirrors.all();
    }

    public Optional<Mirror> find(String name) {
        return store.find(name);
    }

    /** The mirror's cached repositories with counts and their hits and misses. */
    public MirrorStore.MirrorTotals totals(String name) {
        return store.totals(name);
    }

    /** Creates or changes a mirror through the admin API; true when it was created. */
    public boolean put(String name, Change change) {
        if (!MirrorsConfig.NAME.matcher(name).matches()) {
            throw new Refused(400, "a mirror name is a namespace: 2-63 of a-z, 0-9, - and _, starting with a letter"
                    + " or digit");
        }
        Optional<Mirror> existing = store.find(name);
        if (existing.isPresent() && existing.get().managedBy().equals(Mirror.CONFIG)) {
            throw new Refused(409, "the mirror '" + name + "' is defined in the configuration (mirrors.upstreams);"
                    + " change it there");
        }
        if (existing.isEmpty() && store.namespaceTaken(name)) {
            // Before the other checks, so that this is what a request for a taken name hears; put() checks again
            // under the name's lock.
            throw new Refused(409, MirrorStore.NameTaken.message(name));
        }
        String upstream = change.upstream() != null ? change.upstream().strip()
                : existing.map(Mirror::upstream).orElse(null);
        if (upstream == null) throw new Refused(400, "upstream is required: the registry's URL, e.g."
                + " https://registry-1.docker.io");
        if (upstream.endsWith("/")) upstream = upstream.substring(0, upstream.length() - 1);
        if (!MirrorsConfig.validUrl(upstream)) {
            throw new Refused(400, "upstream must be an http(s) URL with a host and nothing else (no credentials,"
                    + " path or query); give credentials as username and password");
        }
        Credentials creds = existing.map(Mirror::credentials).orElse(null);
        if (change.username() != null || change.secret() != null) {
            if (change.username() == null || change.username().isBlank() || change.secret() == null
                    || change.secret().isEmpty()) {
                if ((change.username() == null || change.username().isEmpty())
                        && (change.secret() == null || change.secret().isEmpty())) {
                    creds = null; // both empty: remove the credentials
                } else {
                    throw new Refused(400, "username and password go together");
                }
            } else {
                creds = new Credentials(change.username(), change.secret());
            }
        }
        Duration revalidate = change.revalidateSeconds() != null ? Duration.ofSeconds(change.revalidateSeconds())
                : existing.map(Mirror::revalidateAfter).orElse(config.revalidateAfter());
        if (revalidate.isNegative() || revalidate.toSeconds() > Duration.ofDays(365).toSeconds()) {
            throw new Refused(400, "revalidate_seconds must be between 0 and one year");
        }
        boolean anonymous = change.anonymousPulls() != null ? change.anonymousPulls()
                : existing.map(Mirror::anonymousPulls).orElse(config.anonymousPulls());
        Duration evict = existing.map(Mirror::evictUnusedAfter).orElse(null);
        if (change.evictUnusedDefault()) {
            evict = null;
        } else if (change.evictUnusedSeconds() != null) {
            if (change.evictUnusedSeconds() < 0 || change.evictUnusedSeconds() > MAX_EVICT.toSeconds()) {
                throw new Refused(400, "evict_unused_seconds must be between 0 (never evict) and "
                        + MAX_EVICT.toSeconds() + " (100 years), or null for the server's mirrors.evict_unused_after");
            }
            evict = Duration.ofSeconds(change.evictUnusedSeconds());
        }
        Instant now = clock.instant();
        boolean created;
        try {
            created = store.put(new Mirror(name, upstream, creds, revalidate, anonymous, evict, Mirror.API,
                    existing.map(Mirror::createdAt).orElse(now), now), AuditAction.MIRROR_CREATE,
                    AuditAction.MIRROR_UPDATE);
        } catch (MirrorStore.NameTaken e) {
            throw new Refused(409, e.getMessage()); // taken since the check above, on this node or another
        }
        mirrors.reload();
        return created;
    }

    /** Removes an API-defined mirror; its cached repositories stay as ordinary (read-write) content. */
    public void delete(String name) {
        Optional<Mirror> existing = store.find(name);
        if (existing.isEmpty()) throw new Refused(404, "no mirror is named '" + name + "'");
        if (existing.get().managedBy().equals(Mirror.CONFIG)) {
            throw new Refused(409, "the mirror '" + name + "' is defined in the configuration (mirrors.upstreams);"
                    + " remove it there");
        }
        store.delete(name, AuditAction.MIRROR_DELETE, clock.instant());
        mirrors.reload();
    }
}
