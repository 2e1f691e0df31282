package dev.wharf.images;

import java.time.Instant;

/** The images-summary answer: how many images, and how many were pushed or pulled since {@code activeFrom}. */
public record ImagesSummary(Instant activeFrom, long total, long active, long inactive) {}
