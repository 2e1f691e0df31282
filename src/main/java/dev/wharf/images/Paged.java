package dev.wharf.images;

import java.util.List;

/** One page (1-based) of a listing and the size of the whole listing, for {@code count}/{@code next}/{@code previous}. */
public record Paged<T>(long total, int page, int pageSize, List<T> items) {

    public Paged {
        items = List.copyOf(items);
    }

    public boolean hasNext() {
        return (long) page * pageSize < total;
    }

    public boolean hasPrevious() {
        return page > 1;
    }
}
