package dev.wharf.sources.build;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The images a Dockerfile needs from a registry: every {@code FROM} that is neither {@code scratch} nor an earlier
 * stage, and every {@code --from=} of {@code COPY}, {@code ADD} and {@code RUN --mount} that names an image rather
 * than a stage. They are pulled before the build, with network, so that the build itself runs without any
 * ({@code buildah bud --pull=never}). Variables in those names are expanded from the {@code ARG}s before the first
 * {@code FROM} and the build's arguments, as buildah does. A name this cannot resolve is simply not pulled; the
 * build then fails on it with buildah's own "image not known" error.
 */
public final class BaseImages {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?}"
            + "|\\$([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern FROM_FLAG = Pattern.compile("(?:^|[\\s,])from=([^\\s,]+)");

    private BaseImages() {}

    public static List<String> of(String dockerfile, Map<String, String> buildArgs) {
        Map<String, String> args = new HashMap<>();
        Set<String> stages = new HashSet<>();
        Set<String> images = new LinkedHashSet<>();
        boolean seenFrom = false;
        int stageCount = 0;
        for (String instruction : instructions(dockerfile)) {
            String[] words = instruction.trim().split("\\s+");
            if (words.length == 0 || words[0].isEmpty()) continue;
            String keyword = words[0].toUpperCase(Locale.ROOT);
            switch (keyword) {
                case "ARG" -> {
                    if (seenFrom) continue; // only global ARGs can be used in FROM
                    for (int i = 1; i < words.length; i++) {
                        String[] kv = words[i].split("=", 2);
                        String value = buildArgs.containsKey(kv[0]) ? buildArgs.get(kv[0])
                                : kv.length == 2 ? unquote(kv[1]) : null;
                        if (value != null) args.put(kv[0], value);
                    }
                }
                case "FROM" -> {
                    seenFrom = true;
                    List<String> rest = new ArrayList<>();
                    for (int i = 1; i < words.length; i++) if (!words[i].startsWith("--")) rest.add(words[i]);
                    if (rest.isEmpty()) continue;
                    String image = expand(rest.get(0), args);
                    if (!image.equalsIgnoreCase("scratch") && !stages.contains(image.toLowerCase(Locale.ROOT))) {
                        images.add(image);
                    }
                    if (rest.size() >= 3 && rest.get(1).equalsIgnoreCase("AS")) {
                        stages.add(rest.get(2).toLowerCase(Locale.ROOT));
                    }
                    stages.add(Integer.toString(stageCount++));
                }
                case "COPY", "ADD", "RUN" -> {
                    for (int i = 1; i < words.length && words[i].startsWith("--"); i++) {
                        String flag = words[i];
                        String from = null;
                        if (flag.startsWith("--from=")) {
                            from = flag.substring("--from=".length());
                        } else if (flag.startsWith("--mount=")) {
                            Matcher m = FROM_FLAG.matcher(flag.substring("--mount=".length()));
                            if (m.find()) from = m.group(1);
                        }
                        if (from == null) continue;
                        String image = expand(unquote(from), args);
                        if (!stages.contains(image.toLowerCase(Locale.ROOT))) images.add(image);
                    }
                }
                default -> { }
            }
        }
        return List.copyOf(images);
    }

    /** Instructions with line continuations joined, comments and parser directives dropped. */
    static List<String> instructions(String dockerfile) {
        char escape = '\\';
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean directives = true;
        for (String line : dockerfile.split("\r?\n", -1)) {
            String t = line.strip();
            if (directives) {
                Matcher d = Pattern.compile("^#\\s*escape\\s*=\\s*(\\S)\\s*$", Pattern.CASE_INSENSITIVE).matcher(t);
                if (d.matches()) {
                    escape = d.group(1).charAt(0);
                    continue;
                }
                if (!t.isEmpty()) directives = false;
            }
            if (t.startsWith("#")) continue;
            if (!t.isEmpty() && t.charAt(t.length() - 1) == escape) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            if (!current.toString().isBlank()) out.add(current.toString());
            current.setLength(0);
        }
        if (!current.toString().isBlank()) out.add(current.toString());
        return out;
    }

    private static String expand(String text, Map<String, String> args) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(4);
            String value = args.get(name);
            if ("-".equals(m.group(2)) && (value == null || value.isEmpty())) value = m.group(3);
            if ("+".equals(m.group(2))) value = value == null || value.isEmpty() ? "" : m.group(3);
            m.appendReplacement(sb, Matcher.quoteReplacement(value == null ? "" : value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
