package dev.wharf.images;

/**
 * The images list's query parameters as received; {@link ImageService} validates them.
 *
 * @param status {@code active}, {@code inactive} or null
 * @param currentlyTagged null for both
 * @param ordering {@code last_activity}, {@code -last_activity}, {@code digest}, {@code -digest} or null
 *     (newest activity first)
 * @param activeFrom RFC 3339 or null (one month ago)
 */
public record ImageListRequest(String status, Boolean currentlyTagged, String ordering, String activeFrom, int page,
        int pageSize) {}
