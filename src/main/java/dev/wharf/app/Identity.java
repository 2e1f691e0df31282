package dev.wharf.app;

import dev.wharf.auth.AccessControl;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.BootstrapResult;
import dev.wharf.auth.CredentialAuthenticator;
import dev.wharf.auth.ImageRestrictions;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.LoginSessions;
import dev.wharf.auth.LoginThrottle;
import dev.wharf.auth.MemoryLoginThrottle;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.Permissions;
import dev.wharf.auth.RepositorySettingsService;
import dev.wharf.auth.SecretBox;
import dev.wharf.auth.Totp;
import dev.wharf.auth.TwoFactorService;
import dev.wharf.auth.registry.RegistryTokens;
import dev.wharf.auth.token.JwtCodec;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.auth.token.SigningKeys;
import dev.wharf.config.AuthConfig;
import dev.wharf.config.WharfConfig;
import dev.wharf.storage.meta.AuditLog;
import dev.wharf.storage.meta.Database;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every identity service of one node, built once from the configuration. */
record Identity(
        AccountService accounts,
        TwoFactorService twoFactor,
        AccessTokenService personalTokens,
        OrgAccessTokenService orgTokens,
        RepositorySettingsService repositorySettings,
        ImageRestrictions imageRestrictions,
        AccessControl accessControl,
        CredentialAuthenticator authenticator,
        LoginGuard loginGuard,
        JwtCodec jwt,
        SessionTokens sessions,
        LoginSessions logins,
        RegistryTokens registryTokens,
        SecretBox box) {

    private static final Logger log = LoggerFactory.getLogger(Identity.class);

    static Identity create(WharfConfig config, Database database, Clock clock) {
        return create(config, database, clock, PasswordHasher.defaults());
    }

    /** As above, hashing passwords with {@code passwords} (tests only: see {@link WharfServer#start}). */
    static Identity create(WharfConfig config, Database database, Clock clock, PasswordHasher passwords) {
        return create(config, database, clock, passwords, (name, free) -> new MemoryLoginThrottle(clock, free));
    }

    static Identity create(WharfConfig config, Database database, Clock clock, PasswordHasher passwords,
            LoginThrottle.Factory throttles) {
        return create(config, database, clock, passwords, throttles, SigningKeys::generate);
    }

    /** @param freshKey the signing key to store when the database holds none (a new cluster's first node) */
    static Identity create(WharfConfig config, Database database, Clock clock, PasswordHasher passwords,
            LoginThrottle.Factory throttles, java.util.function.Supplier<SigningKeys> freshKey) {
        AuthConfig auth = config.auth();
        SecretBox box = SecretBox.load(auth.secretKey().isEmpty() ? null : auth.secretKey(), config.dataDir());
        AccountService accounts = new AccountService(database, passwords, clock);
        AccessTokenService pats = new AccessTokenService(database, clock);
        OrgAccessTokenService oats = new OrgAccessTokenService(database, clock);
        RepositorySettingsService settings = new RepositorySettingsService(database, clock, auth.defaultPrivate());
        ImageRestrictions restrictions = new ImageRestrictions(database, accounts, clock);
        AccessControl control = new AccessControl(new Permissions(clock), accounts, settings, restrictions);
        JwtCodec jwt = new JwtCodec(SigningKeys.loadOrCreate(database, box, freshKey), clock);
        LoginSessions logins = new LoginSessions(database, clock);
        SessionTokens sessions = new SessionTokens(jwt, accounts, pats, oats, logins, clock);
        return new Identity(accounts, new TwoFactorService(database, box, new Totp(), clock), pats, oats, settings,
                restrictions, control, new CredentialAuthenticator(accounts, pats, oats), new LoginGuard(new AuditedLogins(new AuditLog(database), clock), throttles),
                jwt, sessions, logins, new RegistryTokens(jwt, auth.service(), auth.tokenTtl()), box);
    }

    /** First start: create the administrator, printing a generated password exactly once. */
    void bootstrapAdmin(AuthConfig auth, AccountService.AdminSecret secret) {
        Optional<BootstrapResult> created = accounts.bootstrapAdminWith(auth.adminUser(), secret);
        created.ifPresent(r -> r.generatedPassword().ifPresentOrElse(
                pw -> log.warn("created administrator '{}' with generated password: {} (shown once; change it with "
                        + "./wharf user passwd)", r.admin().username(), pw),
                () -> log.info("created administrator '{}' from admin.user/admin.password", r.admin().username())));
    }
}
