package dev.wharf.auth;

/**
 * Where a personal access token was made, as the Hub API reports it: {@code generated_by} ("manual" from the
 * UI or API), the creator's IP address and user agent, and {@code client_id}.
 */
public record TokenOrigin(String generatedBy, String creatorIp, String creatorUa, String clientId) {

    public TokenOrigin {
        generatedBy = generatedBy == null || generatedBy.isBlank() ? "manual" : generatedBy;
        creatorIp = creatorIp == null ? "" : creatorIp;
        creatorUa = creatorUa == null ? "" : truncate(creatorUa, 512);
        clientId = clientId == null || clientId.isBlank() ? "wharf" : clientId;
    }

    public static TokenOrigin manual(String creatorIp, String creatorUa) {
        return new TokenOrigin("manual", creatorIp, creatorUa, "wharf");
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
