package dev.wharf.mirror;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The mirror definitions as this node sees them: read from the database, kept in memory and re-read at most
 * every few seconds (so a change made through another node's admin API arrives quickly) or at once after a
 * change made here.
 */
public final class Mirrors {
    private static final Duration REFRESH = Duration.ofSeconds(5);

    private final MirrorStore store;
    private final Clock clock;
    private final String hubMirror;
    private volatile Map<String, Mirror> byName = Map.of();
    private volatile Instant loadedAt = Instant.EPOCH;

    public Mirrors(MirrorStore store, Clock clock, String hubMirror) {
        this.store = store;
        this.clock = clock;
        this.hubMirror = hubMirror == null ? "" : hubMirror;
    }

    public MirrorStore store() {
        return store;
    }

    /** Re-reads the definitions now (after a change, and at start). */
    public void reload() {
        byName = store.list().stream().collect(Collectors.toUnmodifiableMap(Mirror::name, Function.identity()));
        loadedAt = clock.instant();
    }

    private Map<String, Mirror> current() {
        if (Duration.between(loadedAt, clock.instant()).compareTo(REFRESH) > 0) {
            try {
                reload();
            } catch (RuntimeException e) {
                // The database is briefly unavailable: keep serving with the definitions we have.
            }
        }
        return byName;
    }

    public List<Mirror> all() {
        return current().values().stream().sorted(java.util.Comparator.comparing(Mirror::name)).toList();
    }

    public Optional<Mirror> named(String name) {
        return Optional.ofNullable(current().get(name));
    }

    /** The mirror whose namespace holds {@code repository} ({@code <mirror>/<upstream name>}), if any. */
    public Optional<Mirror> of(String repository) {
        int slash = repository.indexOf('/');
        if (slash <= 0) return Optional.empty();
        return Optional.ofNullable(current().get(repository.substring(0, slash)));
    }

    /** The mirror answering Docker daemons' unprefixed requests (mirrors.hub), when it is defined. */
    public Optional<Mirror> hub() {
        return hubMirror.isEmpty() ? Optional.empty() : named(hubMirror);
    }

    public boolean isMirror(String namespace) {
        return current().containsKey(namespace);
    }
}
