package dev.wharf.quota;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-namespace gauges, refreshed by the periodic quota sweep. Cardinality is bounded: usage is exported for at
 * most {@value #MAX_NAMESPACES} namespaces (those with a quota first, then the largest), limits for at most as
 * many namespaces with a quota; everything else is only in the Hub API's overview.
 */
public final class QuotaMetrics {
    static final int MAX_NAMESPACES = 100;

    private final MultiGauge used;
    private final MultiGauge limits;

    public QuotaMetrics(MeterRegistry registry) {
        used = MultiGauge.builder("wharf_namespace_storage_bytes")
                .description("bytes of distinct blobs a namespace links (the quota rule), per namespace")
                .baseUnit("bytes").register(registry);
        limits = MultiGauge.builder("wharf_namespace_quota_bytes")
                .description("storage quota of a namespace").baseUnit("bytes").register(registry);
    }

    public void update(List<Quota> withQuotas, QuotaStore store) {
        Map<String, Long> usage = new LinkedHashMap<>();
        List<MultiGauge.Row<?>> limitRows = new ArrayList<>();
        for (Quota q : withQuotas) {
            if (usage.size() >= MAX_NAMESPACES) break;
            usage.put(q.namespace(), q.usedBytes());
            if (q.limitBytes() != null) limitRows.add(MultiGauge.Row.of(Tags.of("namespace", q.namespace()),
                    q.limitBytes()));
        }
        if (usage.size() < MAX_NAMESPACES) {
            for (Quota q : store.byUsage(0, MAX_NAMESPACES)) {
                if (usage.size() >= MAX_NAMESPACES) break;
                usage.putIfAbsent(q.namespace(), q.usedBytes());
            }
        }
        List<MultiGauge.Row<?>> usedRows = new ArrayList<>();
        usage.forEach((ns, bytes) -> usedRows.add(MultiGauge.Row.of(Tags.of("namespace", ns), bytes)));
        used.register(usedRows, true);
        limits.register(limitRows, true);
    }
}
