package dev.wharf.auth;

/** A token just created, with its secret: returned once, never stored or retrievable again. */
public record CreatedToken<T>(T token, String secret) {

    @Override
    public String toString() {
        return "CreatedToken[" + token + ", secret=<hidden>]";
    }
}
