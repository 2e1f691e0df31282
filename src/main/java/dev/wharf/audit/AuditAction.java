package dev.wharf.audit;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every audited action, with the group and label {@code GET /v2/auditlogs/{account}/actions} lists. Names follow
 * Docker Hub's ({@code repo.tag.push}, {@code team.member.add}, ...).
 */
public enum AuditAction {
    REPO_CREATE("repo", "repo.create", "Repository Created"),
    REPO_DELETE("repo", "repo.delete", "Repository Deleted"),
    REPO_CHANGE_PRIVACY("repo", "repo.change_privacy", "Privacy Changed"),
    REPO_CHANGE_DESCRIPTION("repo", "repo.change_description", "Description Changed"),
    REPO_TAG_PUSH("repo", "repo.tag.push", "Tag Pushed"),
    REPO_TAG_MOVE("repo", "repo.tag.move", "Tag Moved"),
    REPO_TAG_DELETE("repo", "repo.tag.delete", "Tag Deleted"),
    REPO_IMMUTABLE_TAGS_CHANGE("repo", "repo.immutable_tags.change", "Immutable Tags Changed"),
    REPO_TAG_IMMUTABLE_REFUSED("repo", "repo.tag.immutable_refused", "Immutable Tag Push Refused"),
    REPO_MANIFEST_DELETE("repo", "repo.manifest.delete", "Image Deleted"),
    REPO_IMAGES_BULK_DELETE("repo", "repo.images.bulk_delete", "Images Bulk Deleted"),
    USER_LOGIN("account", "user.login", "Signed In"),
    USER_LOGIN_FAILED("account", "user.login.failed", "Sign-in Failed"),
    USER_LOGIN_THROTTLED("account", "user.login.throttled", "Sign-in Throttled"),
    USER_2FA_ENABLE("account", "user.2fa.enable", "Two-Factor Enabled"),
    USER_2FA_DISABLE("account", "user.2fa.disable", "Two-Factor Disabled"),
    USER_2FA_RECOVERY_CODES("account", "user.2fa.recovery_codes", "Recovery Codes Regenerated"),
    USER_SESSION_REVOKE("account", "user.session.revoke", "Session Revoked"),
    ACCESS_TOKEN_CREATE("account", "access_token.create", "Access Token Created"),
    ACCESS_TOKEN_UPDATE("account", "access_token.update", "Access Token Updated"),
    ACCESS_TOKEN_DELETE("account", "access_token.delete", "Access Token Deleted"),
    ORG_CREATE("org", "org.create", "Organization Created"),
    ORG_SETTINGS_CHANGE("org", "org.settings.change", "Organization Settings Changed"),
    NAMESPACE_BADGES_CHANGE("org", "namespace.badges.change", "Namespace Badges Changed"),
    NAMESPACE_QUOTA_CHANGE("org", "namespace.quota.change", "Quota Changed"),
    NAMESPACE_QUOTA_WARNING("org", "namespace.quota.warning", "Quota Warning"),
    ORG_MEMBER_ADD("org", "org.member.add", "Member Added"),
    ORG_MEMBER_REMOVE("org", "org.member.remove", "Member Removed"),
    ORG_MEMBER_ROLE("org", "org.member.role", "Member Role Changed"),
    ORG_ACCESS_TOKEN_CREATE("org", "org.access_token.create", "Organization Token Created"),
    ORG_ACCESS_TOKEN_UPDATE("org", "org.access_token.update", "Organization Token Updated"),
    ORG_ACCESS_TOKEN_DELETE("org", "org.access_token.delete", "Organization Token Deleted"),
    TEAM_CREATE("org", "team.create", "Team Created"),
    TEAM_UPDATE("org", "team.update", "Team Updated"),
    TEAM_DELETE("org", "team.delete", "Team Deleted"),
    TEAM_MEMBER_ADD("org", "team.member.add", "Team Member Added"),
    TEAM_MEMBER_REMOVE("org", "team.member.remove", "Team Member Removed"),
    TEAM_PERMISSION_SET("org", "team.permission.set", "Team Permission Changed"),
    TEAM_PERMISSION_REMOVE("org", "team.permission.remove", "Team Permission Removed"),
    MIRROR_CREATE("mirror", "mirror.create", "Mirror Created"),
    MIRROR_UPDATE("mirror", "mirror.update", "Mirror Changed"),
    MIRROR_DELETE("mirror", "mirror.delete", "Mirror Deleted");

    private final String group;
    private final String wireName;
    private final String label;

    AuditAction(String group, String wireName, String label) {
        this.group = group;
        this.wireName = wireName;
        this.label = label;
    }

    public String group() {
        return group;
    }

    public String wireName() {
        return wireName;
    }

    public String label() {
        return label;
    }

    public static Optional<AuditAction> byWireName(String name) {
        return Arrays.stream(values()).filter(a -> a.wireName.equals(name)).findFirst();
    }
}
