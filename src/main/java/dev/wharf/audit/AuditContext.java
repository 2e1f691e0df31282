package dev.wharf.audit;

/**
 * Who is acting in the current request, so that stores can attribute the changes they make. Set by the HTTP
 * layers once the caller is authenticated, cleared at the start of every request. Each request runs on its own
 * virtual thread, so a thread-local is request-scoped. Work without a context (start-up, background jobs) is
 * attributed to {@link #SYSTEM}.
 */
public final class AuditContext {
    public static final String SYSTEM = "wharf";
    private static final ThreadLocal<String> ACTOR = new ThreadLocal<>();

    private AuditContext() {}

    public static void setActor(String actor) {
        ACTOR.set(actor == null || actor.isEmpty() ? null : actor);
    }

    public static void clear() {
        ACTOR.remove();
    }

    /** The acting account's name, or {@link #SYSTEM}. */
    public static String actor() {
        String a = ACTOR.get();
        return a == null ? SYSTEM : a;
    }

    /** Runs {@code work} on behalf of {@code actor} (for CLI commands and jobs), restoring the previous actor. */
    public static <T> T as(String actor, java.util.function.Supplier<T> work) {
        String previous = ACTOR.get();
        setActor(actor);
        try {
            return work.get();
        } finally {
            ACTOR.set(previous);
        }
    }
}
