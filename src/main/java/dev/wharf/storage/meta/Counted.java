package dev.wharf.storage.meta;

import java.util.List;

/** One page of a listing together with the number of items of the whole listing. */
public record Counted<T>(long total, List<T> items) {

    public Counted {
        items = List.copyOf(items);
    }
}
