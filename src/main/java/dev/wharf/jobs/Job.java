package dev.wharf.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One persistent job. {@code input} is what the handler needs (ids, never secrets); {@code progress} holds the
 * task's steps and output (bytes and layers copied so far), shown to clients as Cycle's JobTask.
 */
public record Job(
        String id,
        String hub,
        String type,
        String caption,
        JobState state,
        String error,
        JsonNode input,
        ObjectNode progress,
        int attempts,
        int maxAttempts,
        Instant nextAttemptAt,
        String claimedBy,
        Instant claimExpiresAt,
        boolean cancelRequested,
        long creatorUserId,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant completedAt) {}
