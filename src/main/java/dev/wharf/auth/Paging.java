package dev.wharf.auth;

/** Validated page arguments: {@code page} from 1, {@code pageSize} from 1 to {@value #MAX_PAGE_SIZE}. */
record Paging(int limit, long offset) {

    static final int MAX_PAGE_SIZE = 100;

    static Paging of(int page, int pageSize) {
        if (page < 1) throw IdentityException.invalid("page must be at least 1");
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw IdentityException.invalid("page_size must be between 1 and " + MAX_PAGE_SIZE);
        }
        return new Paging(pageSize, (long) (page - 1) * pageSize);
    }
}
