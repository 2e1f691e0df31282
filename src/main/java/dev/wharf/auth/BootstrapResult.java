package dev.wharf.auth;

import java.util.Optional;

/**
 * The first administrator created on an empty installation. {@code generatedPassword} is present only when the
 * password was generated: the caller prints it once, and it is not kept anywhere.
 */
public record BootstrapResult(User admin, Optional<String> generatedPassword) {

    @Override
    public String toString() {
        return "BootstrapResult[admin=" + admin.username() + ", generatedPassword=" // keep it out of logs
                + (generatedPassword.isPresent() ? "<hidden>" : "none") + "]";
    }
}
