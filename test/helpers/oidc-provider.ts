// A real OpenID Provider (`oidc-provider`) on loopback for sign-in tests: one registered client,
// PKCE required, scopes `openid email`, and a programmable account store (the test decides who
// signs in next). Interactions are answered by this helper (no browser, no forms): the programmed
// account is logged in and consent for `openid email` is granted. A one-shot tamper hook rewrites
// the next ID token on its way out of the token endpoint (claims changed and re-signed with the
// provider's own key, a foreign key, or no signature) to prove the relying party refuses it.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

export interface TestAccount {
  sub: string;
  email: string;
  email_verified: boolean;
}

export type JsonObject = Record<string, unknown>;

export interface IdTokenParts {
  header: JsonObject;
  claims: JsonObject;
}

/** How a tampered ID token is signed: the provider's key (valid signature), another key with the same `kid`, or `alg: none`. */
export type IdTokenSigner = 'provider' | 'foreign' | 'unsigned';

export type IdTokenTamper = (parts: IdTokenParts) => IdTokenParts & { signer: IdTokenSigner };

export interface TlsMaterial {
  /** PEM certificate (self-signed, for 127.0.0.1): trust it through NODE_EXTRA_CA_CERTS or a `ca` option. */
  cert: string;
  key: string;
}

export interface TestOidcProviderOptions {
  clientId: string;
  clientSecret: string;
  /** The relying party's callback URL(s), registered exactly. */
  redirectUris: string[];
  /** Serve over https with this certificate instead of plain http. */
  tls?: TlsMaterial;
}

export interface TestOidcProvider {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The account that completes the next interaction (and every one after, until changed). */
  signInAs(account: TestAccount): void;
  /** Rewrites the ID token of the next token response only. */
  tamperNextIdToken(tamper: IdTokenTamper): void;
  /** Every ID token the token endpoint sent, as sent (after any tampering), decoded. */
  readonly idTokens: IdTokenParts[];
  /** Parameters of every authorization request the provider received. */
  readonly authorizationRequests: URLSearchParams[];
  /** Errors the provider reported (server_error and friends): useful when a test fails. */
  readonly errors: string[];
  close(): Promise<void>;
}

// oidc-provider ships no type declarations: the few parts used here, typed by hand.
interface KoaContext {
  method: string;
  path: string;
  body: unknown;
  oidc?: { route?: string };
}
interface ProviderGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}
interface InteractionDetails {
  uid: string;
  prompt: { name: string };
  params: Record<string, unknown>;
}
interface OidcProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionResult(
    req: IncomingMessage,
    res: ServerResponse,
    result: JsonObject,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<string>;
  Grant: new (properties: { accountId: string; clientId: string }) => ProviderGrant;
}
interface PromptPolicy {
  add(prompt: unknown, index?: number): void;
}
interface OidcProviderModule {
  default: new (issuer: string, configuration: JsonObject) => OidcProviderInstance;
  interactionPolicy: {
    base(): PromptPolicy;
    Prompt: new (options: { name: string; requestable: boolean }) => unknown;
  };
}

// A variable specifier keeps TypeScript from looking for the (missing) declarations.
const OIDC_PROVIDER_MODULE: string = 'oidc-provider';
let loaded: Promise<OidcProviderModule> | undefined;
const loadOidcProvider = () => (loaded ??= import(OIDC_PROVIDER_MODULE) as Promise<OidcProviderModule>);

const b64 = (value: JsonObject) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function decodeJwt(jwt: string): IdTokenParts {
  const [header, claims] = jwt.split('.');
  if (header === undefined || claims === undefined) throw new Error('not a JWT');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as JsonObject,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as JsonObject,
  };
}

function encodeJwt(parts: IdTokenParts, key: KeyObject | undefined): string {
  if (key === undefined) {
    const input = `${b64({ ...parts.header, alg: 'none' })}.${b64(parts.claims)}`;
    return `${input}.`;
  }
  const input = `${b64({ ...parts.header, alg: 'RS256' })}.${b64(parts.claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** A self-signed certificate for 127.0.0.1 (and localhost). */
export async function selfSignedCertificate(): Promise<TlsMaterial> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** A loopback port that was free a moment ago (for a server whose public URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const { default: Provider, interactionPolicy } = await loadOidcProvider();

  // The signing key is ours, so tampered tokens can be re-signed with it (a valid signature on bad claims).
  const kid = 'test-signing-key';
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

  const accounts = new Map<string, TestAccount>();
  let nextAccount: TestAccount | undefined;
  let tamper: IdTokenTamper | undefined;
  const idTokens: IdTokenParts[] = [];
  const authorizationRequests: URLSearchParams[] = [];
  const errors: string[] = [];

  // The provider needs its issuer (so the port) before it exists: the server starts first and
  // hands requests to it once it does.
  const live: { provider?: OidcProviderInstance; callback?: (req: IncomingMessage, res: ServerResponse) => void } = {};

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const provider = live.provider!;
    const details = await provider.interactionDetails(req, res);
    const account = nextAccount;
    if (!account) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('the test did not say who signs in (signInAs)');
      return;
    }
    accounts.set(account.sub, account);
    const grant = new provider.Grant({ accountId: account.sub, clientId: String(details.params.client_id) });
    grant.addOIDCScope('openid email');
    grant.addOIDCClaims(['email', 'email_verified']);
    const grantId = await grant.save();
    // Every prompt answered at once: the account chosen, logged in, and consent given.
    const returnTo = await provider.interactionResult(
      req,
      res,
      { select_account: {}, login: { accountId: account.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    res.writeHead(303, { location: returnTo, 'content-length': '0' }).end();
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        errors.push(`interaction: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String((err as Error).message));
      });
      return;
    }
    if (!live.callback) {
      res.writeHead(503).end();
      return;
    }
    live.callback(req, res);
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const policy = interactionPolicy.base();
  // The relying party asks for `prompt=select_account` (as with Google): make it a prompt this provider knows.
  policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: [signingJwk] },
    scopes: ['openid', 'email'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // Like Google: the email claims travel in the ID token, not only from userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    features: { devInteractions: { enabled: false } },
    interactions: { policy, url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: account.email, email_verified: account.email_verified }),
      };
    },
  });
  provider.on('server_error', (_ctx, err) => errors.push(`server_error: ${(err as Error).message}`));
  provider.on('grant.error', (_ctx, err) => errors.push(`grant.error: ${(err as Error).message}`));
  provider.on('authorization.error', (_ctx, err) => errors.push(`authorization.error: ${(err as Error).message}`));

  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'authorization' && ctx.method === 'GET') {
      // Recorded after the fact: the request was parsed and answered by the provider itself.
      const query = (ctx as unknown as { querystring: string }).querystring;
      authorizationRequests.push(new URLSearchParams(query));
    }
    if (route !== 'token') return;
    const body = ctx.body as JsonObject | undefined;
    if (!body || typeof body.id_token !== 'string') return;
    let idToken = body.id_token;
    if (tamper) {
      const change = tamper;
      tamper = undefined;
      const changed = change(decodeJwt(idToken));
      idToken = encodeJwt(
        { header: changed.header, claims: changed.claims },
        changed.signer === 'provider' ? privateKey : changed.signer === 'foreign' ? foreignKey : undefined,
      );
      body.id_token = idToken;
    }
    idTokens.push(decodeJwt(idToken));
  });
  live.provider = provider;
  live.callback = provider.callback();

  return {
    issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    signInAs(account) {
      nextAccount = account;
    },
    tamperNextIdToken(change) {
      tamper = change;
    },
    idTokens,
    authorizationRequests,
    errors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
