package dev.wharf.retention;

import java.util.regex.Pattern;

/**
 * What a retention run keeps; everything else that is tagged is a candidate. Null rules are off.
 *
 * @param keepLast keep the N most recently pushed images
 * @param keepPulledDays keep images pulled (or pushed) within this many days
 * @param keepTags keep images with a current tag matching this glob ({@code *} any run, {@code ?} one character,
 *     whole tag; several globs separated by commas)
 * @param intervalSeconds run on its own this often (null: only when asked)
 */
public record RetentionPolicy(Integer keepLast, Integer keepPulledDays, String keepTags, Long intervalSeconds) {

    /** The glob as a regular expression over whole tag names (tags hold only [A-Za-z0-9_.-]). */
    Pattern tagPattern() {
        if (keepTags == null || keepTags.isBlank()) return null;
        StringBuilder re = new StringBuilder();
        for (String glob : keepTags.split(",")) {
            if (glob.isBlank()) continue;
            if (!re.isEmpty()) re.append('|');
            re.append("(?:");
            for (char c : glob.strip().toCharArray()) {
                switch (c) {
                    case '*' -> re.append(".*");
                    case '?' -> re.append('.');
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            re.append(')');
        }
        return re.isEmpty() ? null : Pattern.compile(re.toString());
    }
}
