package dev.wharf.storage.meta;

import java.util.ArrayList;
import java.util.List;

/**
 * One search's matches as four tiers, best first: 0 the full name or the name after the namespace equals the
 * query, 1 either starts with it, 2 every query word starts a word of the name, 3 every query word starts a word
 * of the description. The tiers are disjoint (a repository sits in its best one) and each is read in name order,
 * so a page is the first tiers' rows up to its end: a broad query stops after one page's rows instead of ranking
 * every match, and a tier after the page is never read. Each dialect says how a tier is read; {@link #page} is
 * the one walk over them.
 */
interface SearchTiers {
    int TIERS = 4;

    /** Rows of one tier in name order, after skipping {@code skip} of them; {@code size} when the read learnt it, else -1. */
    record Slice(List<String> names, long size) {}

    /** At most {@code take} rows of the tier in name order after its first {@code skip}. */
    Slice slice(int tier, long skip, int take);

    /** How many rows the tier has, counting no further than {@code upTo}. */
    long size(int tier, long upTo);

    /**
     * How many repositories match in all (visible ones only), counting no further than the search's cap
     * ({@link RepositorySearchStore#MAX_RESULTS}): the cap when more match.
     */
    long total();

    /** Names of the page (offset, limit) in rank then name order. */
    default List<String> page(long offset, int limit) {
        List<String> page = new ArrayList<>();
        long skip = offset;
        for (int tier = 0; tier < TIERS && page.size() < limit; tier++) {
            Slice slice = slice(tier, skip, limit - page.size());
            page.addAll(slice.names());
            if (page.size() == limit) break;
            // The tier ran out before the page was full: skip what it held of the offset, no more.
            if (skip == 0) continue;
            long size = slice.size() >= 0 ? slice.size()
                    : slice.names().isEmpty() ? size(tier, skip) : skip + slice.names().size();
            skip = Math.max(0, skip - size);
        }
        return page;
    }
}
