package dev.wharf.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A bounded cache of authorization state (principals, permissions, a user's grants) whose entries carry the
 * {@link AuthorizationEpoch} generation they were loaded under. An entry is used only while that generation is
 * still current and the epoch {@link AuthorizationEpoch#fresh() fresh}, so a change of identity or access state
 * retires it at once on the node that made it and within {@link AuthorizationEpoch#MAX_STALENESS} on the others.
 * The caller picks the generation (identity only, or any change) and reads it before loading.
 */
public final class GenerationCache<K, V> {
    private record Tagged<V>(V value, long generation) {}

    private final AuthorizationEpoch epoch;
    private final Cache<K, Tagged<V>> entries;

    public GenerationCache(AuthorizationEpoch epoch, long maxEntries) {
        this(epoch, Caffeine.newBuilder().maximumSize(maxEntries));
    }

    /** As above, each entry also dropped {@code ttl} after it was written, whatever the generation. */
    public GenerationCache(AuthorizationEpoch epoch, long maxEntries, Duration ttl) {
        this(epoch, Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl));
    }

    private GenerationCache(AuthorizationEpoch epoch, Caffeine<Object, Object> builder) {
        this.epoch = epoch;
        // Maintenance (eviction, buffer drains) on the calling thread: Caffeine's default hands it to the common
        // fork-join pool, a thread wake-up every few hundred reads on the registry's hottest path.
        this.entries = builder.executor(Runnable::run).build();
    }

    /** The value cached for {@code key} under {@code generation}, if the epoch is fresh; else empty. */
    public Optional<V> hit(K key, long generation) {
        if (!epoch.fresh()) return Optional.empty();
        Tagged<V> hit = entries.getIfPresent(key);
        return hit != null && hit.generation() == generation ? Optional.of(hit.value()) : Optional.empty();
    }

    /** Caches a value loaded after {@code generation} was read: a change in between retires the entry. */
    public void put(K key, V value, long generation) {
        entries.put(key, new Tagged<>(value, generation));
    }

    /** Through the cache when its entry is of {@code generation}; bypasses it while the epoch's polling lags. */
    public V get(K key, long generation, Supplier<V> load) {
        if (!epoch.fresh()) return load.get();
        Optional<V> hit = hit(key, generation);
        if (hit.isPresent()) return hit.get();
        V value = load.get();
        put(key, value, generation);
        return value;
    }
}
