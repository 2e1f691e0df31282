package dev.wharf.storage.meta;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A repository's immutable-tags policy: when enabled, a tag whose name fully matches one of the rules
 * (regular expressions) may be created but never moved to another digest.
 */
public record ImmutableTags(boolean enabled, List<String> rules) {
    public static final ImmutableTags OFF = new ImmutableTags(false, List.of());

    public ImmutableTags {
        rules = List.copyOf(rules);
        for (String rule : rules) {
            try {
                Pattern.compile(rule);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid immutable tag rule '" + rule + "': " + e.getDescription());
            }
        }
    }

    public boolean protects(String tag) {
        return enabled && rules.stream().anyMatch(r -> Pattern.compile(r).matcher(tag).matches());
    }
}
