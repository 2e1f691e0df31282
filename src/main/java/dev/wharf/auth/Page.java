package dev.wharf.auth;

import java.util.List;

/** One page of a listing and the total number of items across all pages. */
public record Page<T>(List<T> results, long count) {

    public Page {
        results = List.copyOf(results);
    }
}
