package dev.wharf.auth;

/** A started enrollment: the secret to type in, or the URI to show as a QR code. Both are secrets. */
public record TotpEnrollment(String secret, String otpauthUri) {

    @Override
    public String toString() {
        return "TotpEnrollment[<hidden>]";
    }
}
