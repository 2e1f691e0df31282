package dev.wharf.registry;

import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides who may do what on /v2/. The registry calls it before every operation; an implementation refuses by
 * throwing a {@code RegistryException} (UNAUTHORIZED with a WWW-Authenticate challenge, DENIED, or — for private
 * repositories the caller may not see — the same NAME_UNKNOWN/MANIFEST_UNKNOWN a missing repository gives).
 */
public interface RegistryAccess {
    enum Action { PULL, PUSH, DELETE }

    /** GET /v2/: lets a client discover whether and how to authenticate. */
    void requireBase(Context ctx);

    /** Before an operation on {@code repository} needing every one of {@code actions}. */
    void require(Context ctx, String repository, Set<Action> actions);

    /** May the caller pull from {@code repository}? Used for cross-repository mounts, which must not leak. */
    boolean canPull(Context ctx, String repository);

    /** The signed-in account making the request, if any (rate limits count per account, else per IP). */
    Optional<String> account(Context ctx);

    /** The subset of repositories the caller may see, for the catalog. */
    List<String> visible(Context ctx, List<String> repositories);

    /** No authentication at all: every caller may do everything. For tests and trusted networks only. */
    RegistryAccess OPEN = new RegistryAccess() {
        @Override
        public void requireBase(Context ctx) {}

        @Override
        public void require(Context ctx, String repository, Set<Action> actions) {}

        @Override
        public boolean canPull(Context ctx, String repository) {
            return true;
        }

        @Override
        public List<String> visible(Context ctx, List<String> repositories) {
            return repositories;
        }

        @Override
        public Optional<String> account(Context ctx) {
            return Optional.empty();
        }
    };
}
