package dev.wharf.images;

import java.util.List;

/**
 * What a delete-images request found or did. When {@link #refused()} (any error, or any warning that was not
 * ignored) nothing was deleted and {@code errors}/{@code warnings} say why; otherwise {@code metrics} counts what
 * was deleted (or, for a dry run, what would have been).
 */
public record DeleteImagesReport(boolean dryRun, List<Problem> errors, List<Problem> warnings, Metrics metrics) {

    /**
     * One error ({@code not_found}, {@code unauthorized}, {@code child_manifest}) or warning ({@code is_active},
     * {@code current_tag} with {@code tags}) about one requested manifest; {@code repository} as the caller wrote it.
     */
    public record Problem(String repository, String digest, String code, List<String> tags) {
        public Problem {
            tags = tags == null ? null : List.copyOf(tags);
        }
    }

    public record Metrics(int manifestDeletes, int manifestErrors, int tagDeletes, int tagErrors) {}

    public DeleteImagesReport {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    public boolean refused() {
        return !errors.isEmpty() || !warnings.isEmpty();
    }
}
