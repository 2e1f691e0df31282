package dev.wharf.retention;

import java.time.Instant;
import java.util.List;

/**
 * What a run of a policy over one repository deletes (or would: a preview is the same plan, not executed).
 *
 * @param planAt the instant the plan was made; an image pushed or pulled after it is kept by the run
 * @param bytesFreed bytes of blobs that only candidates reference in the repository (freed by garbage collection
 *     once no other repository of the namespace links them)
 */
public record RetentionPlan(String repository, Instant planAt, int images, List<Candidate> candidates,
        long bytesFreed) {

    /** A tagged image that no rule keeps, with the tags that go with it. */
    public record Candidate(String digest, List<String> tags, Instant pushedAt, Instant lastPulled) {}
}
