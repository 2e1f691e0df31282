package dev.wharf.auth;

import java.util.List;

/** A page of personal access tokens: {@code count} all of the user's tokens, {@code activeCount} the active ones. */
public record TokenPage(List<PersonalAccessToken> results, long count, long activeCount) {

    public TokenPage {
        results = List.copyOf(results);
    }
}
