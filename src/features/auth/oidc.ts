// OpenID Connect (authorization code + PKCE S256, state, nonce) with openid-client. Discovery
// happens on first use and is retried after a failure; ID-token signatures are verified.
import * as client from 'openid-client';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  /** Started from the testers' sign-in page: the callback signs a tester in, never the console. */
  tester?: true;
}

export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string;
  emailVerified: boolean;
}

export interface OidcClient {
  begin(next: string): Promise<{ url: URL; pending: PendingSignIn }>;
  /** Exchanges the code and checks iss, aud, signature, expiry, nonce, state and PKCE; throws on any failure. */
  finish(callbackUrl: URL, pending: PendingSignIn): Promise<VerifiedIdentity>;
}

export function createOidcClient(settings: OidcSettings): OidcClient {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= (async () => {
      const issuer = new URL(settings.issuer);
      const config = await client.discovery(
        issuer,
        settings.clientId,
        undefined,
        client.ClientSecretPost(settings.clientSecret),
        issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      client.enableNonRepudiationChecks(config);
      return config;
    })().catch((err: unknown) => {
      discovered = undefined;
      throw err;
    });
    return discovered;
  };

  return {
    async begin(next) {
      const config = await configuration();
      const pending: PendingSignIn = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        next,
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: 'openid email',
        response_type: 'code',
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        // Google otherwise signs straight into the last account; other providers may not know this prompt.
        ...(new URL(settings.issuer).hostname === 'accounts.google.com' ? { prompt: 'select_account' } : {}),
      });
      return { url, pending };
    },

    async finish(callbackUrl, pending) {
      const config = await configuration();
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error('no ID token');
      const email = typeof claims.email === 'string' ? claims.email : '';
      return { issuer: claims.iss, subject: claims.sub, email, emailVerified: claims.email_verified === true };
    },
  };
}
