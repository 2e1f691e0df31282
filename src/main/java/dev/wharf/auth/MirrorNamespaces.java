package dev.wharf.auth;

import java.util.Optional;

/**
 * Pull-through mirror namespaces as access control sees them (implemented by {@code dev.wharf.mirror}): a
 * mirrored repository is read-only, pullable by every live principal, and by anonymous callers when the mirror
 * allows it; its privacy setting and any account's ties to it do not matter.
 */
public interface MirrorNamespaces {
    /** The name of the mirror serving {@code repository} (as a client names it), if a mirror serves it. */
    Optional<String> mirrorOf(String repository);

    /** Whether the mirror may be pulled without credentials. */
    boolean anonymousPulls(String mirror);

    MirrorNamespaces NONE = new MirrorNamespaces() {
        @Override
        public Optional<String> mirrorOf(String repository) {
            return Optional.empty();
        }

        @Override
        public boolean anonymousPulls(String mirror) {
            return false;
        }
    };
}
