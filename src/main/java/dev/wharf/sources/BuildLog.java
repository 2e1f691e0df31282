package dev.wharf.sources;

import java.util.ArrayDeque;

/**
 * A build's output, bounded: the first {@value #HEAD_BYTES} bytes (what was built, from which context) and the
 * last {@value #TAIL_BYTES} (where it failed) are kept, what lies between is counted and left out, so a build
 * that prints for hours cannot fill the database. Lines longer than {@value #MAX_LINE} characters are cut.
 */
final class BuildLog {
    static final int HEAD_BYTES = 64 * 1024;
    static final int TAIL_BYTES = 448 * 1024;
    static final int MAX_LINE = 8 * 1024;

    private final StringBuilder head = new StringBuilder();
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private long tailBytes;
    private long omittedBytes;
    private long omittedLines;

    synchronized void line(String text) {
        String line = (text.length() > MAX_LINE ? text.substring(0, MAX_LINE) + " …" : text) + "\n";
        if (tail.isEmpty() && head.length() + line.length() <= HEAD_BYTES) {
            head.append(line);
            return;
        }
        tail.addLast(line);
        tailBytes += line.length();
        while (tailBytes > TAIL_BYTES) {
            String dropped = tail.removeFirst();
            tailBytes -= dropped.length();
            omittedBytes += dropped.length();
            omittedLines++;
        }
    }

    synchronized String text() {
        StringBuilder out = new StringBuilder(head);
        if (omittedLines > 0) {
            out.append("… ").append(omittedLines).append(" lines (").append(omittedBytes)
                    .append(" characters) of output left out …\n");
        }
        tail.forEach(out::append);
        return out.toString();
    }
}
