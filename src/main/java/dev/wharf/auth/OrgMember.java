package dev.wharf.auth;

import java.time.Instant;

public record OrgMember(User user, OrgRole role, Instant joinedAt) {}
