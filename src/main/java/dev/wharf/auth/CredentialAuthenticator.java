package dev.wharf.auth;

import java.util.Optional;

/**
 * Turns a username and a secret (from HTTP Basic, the token endpoint, or a Hub login body) into a principal.
 * The secret may be the user's password, one of the user's personal access tokens ({@code dckr_pat_…}), or an
 * organization access token ({@code dckr_oat_…}, with the organization's name as username). Every failure looks
 * the same to the caller.
 *
 * <p>A password alone never authenticates an account with two-factor authentication on the registry path:
 * command-line clients cannot answer a second factor, so such accounts use access tokens there, as on Docker Hub.
 */
public final class CredentialAuthenticator {
    /** What an interactive login proved: a principal, or a password whose second factor is still owed. */
    public sealed interface LoginOutcome {
        record Authenticated(Principal principal) implements LoginOutcome {}

        record SecondFactorRequired(User user) implements LoginOutcome {}
    }

    private final AccountService accounts;
    private final AccessTokenService personalTokens;
    private final OrgAccessTokenService orgTokens;

    public CredentialAuthenticator(AccountService accounts, AccessTokenService personalTokens,
            OrgAccessTokenService orgTokens) {
        this.accounts = accounts;
        this.personalTokens = personalTokens;
        this.orgTokens = orgTokens;
    }

    /** Credentials for a machine client (registry token endpoint, HTTP Basic): no second factor possible. */
    public Optional<Principal> authenticate(String username, String secret) {
        if (username == null || secret == null) return Optional.empty();
        if (secret.startsWith(TokenSecrets.PAT_PREFIX)) {
            return personalTokens.authenticate(username, secret).map(p -> p);
        }
        if (secret.startsWith(TokenSecrets.OAT_PREFIX)) {
            return orgTokens.authenticate(username, secret).map(p -> p);
        }
        return accounts.authenticatePassword(username, secret)
                .filter(u -> !u.totpEnabled())
                .map(User::principal);
    }

    /**
     * Credentials for an interactive login (Hub API): tokens authenticate directly; a password authenticates but
     * may still owe a second factor, which the caller must collect before issuing a session.
     */
    public Optional<LoginOutcome> login(String username, String secret) {
        if (username == null || secret == null) return Optional.empty();
        if (secret.startsWith(TokenSecrets.PAT_PREFIX) || secret.startsWith(TokenSecrets.OAT_PREFIX)) {
            return authenticate(username, secret).map(LoginOutcome.Authenticated::new);
        }
        return accounts.authenticatePassword(username, secret).map(u -> u.totpEnabled()
                ? new LoginOutcome.SecondFactorRequired(u)
                : new LoginOutcome.Authenticated(u.principal()));
    }
}
