package dev.wharf.storage.meta;

import dev.wharf.model.UserPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A repository's immutable-tags policy: when enabled, a tag whose name fully matches one of the rules
 * (regular expressions, {@link UserPattern}: RE2 syntax, linear-time matching) may be created but never moved
 * to another digest. The rules are compiled once, when the policy is made, not on every push.
 */
public final class ImmutableTags {
    public static final ImmutableTags OFF = new ImmutableTags(false, List.of());
    public static final int MAX_RULES = 100;

    private final boolean enabled;
    private final List<String> rules;
    /** null for a stored rule RE2 cannot compile (see {@link #stored}). */
    private final List<UserPattern> compiled;

    /** A policy as a user submits it. @throws IllegalArgumentException naming the first refused rule */
    public ImmutableTags(boolean enabled, List<String> rules) {
        this.enabled = enabled;
        this.rules = List.copyOf(rules);
        if (this.rules.size() > MAX_RULES) {
            throw new IllegalArgumentException("at most " + MAX_RULES + " immutable tag rules");
        }
        List<UserPattern> patterns = new ArrayList<>();
        for (String rule : this.rules) {
            try {
                patterns.add(UserPattern.compile(rule));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid immutable tag rule '" + rule + "': " + e.getMessage());
            }
        }
        this.compiled = patterns;
    }

    private ImmutableTags(boolean enabled, List<String> rules, List<UserPattern> compiled) {
        this.enabled = enabled;
        this.rules = List.copyOf(rules);
        this.compiled = compiled;
    }

    /**
     * A policy read back from the database. Rules saved before rules were RE2 (Java syntax such as a backreference)
     * may no longer compile: such a rule protects every tag until the policy is saved again, because an
     * immutable tag moved by mistake loses data while a refused push can simply be retried.
     */
    static ImmutableTags stored(boolean enabled, List<String> rules) {
        List<UserPattern> patterns = new ArrayList<>();
        for (String rule : rules) {
            UserPattern p;
            try {
                p = UserPattern.compile(rule);
            } catch (IllegalArgumentException e) {
                p = null;
            }
            patterns.add(p);
        }
        return new ImmutableTags(enabled, rules, patterns);
    }

    public boolean enabled() {
        return enabled;
    }

    public List<String> rules() {
        return rules;
    }

    public boolean protects(String tag) {
        return enabled && compiled.stream().anyMatch(p -> p == null || p.matchesWhole(tag));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImmutableTags other && enabled == other.enabled && rules.equals(other.rules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, rules);
    }

    @Override
    public String toString() {
        return "ImmutableTags[enabled=" + enabled + ", rules=" + rules + "]";
    }
}
