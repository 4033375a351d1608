// A real OpenID Connect provider (the certified `oidc-provider` package) for wol's tests.
//
//   node provider.mjs PORT
//
// Listens on 127.0.0.1:PORT with issuer http://127.0.0.1:PORT and prints "ready" when it
// accepts connections. One confidential client, "wol-test" / "wol-test-secret", may redirect
// to /sso/callback on any loopback or wol.test address (the tests' servers get free ports).
//
// The sign-in page takes an account name from ACCOUNTS (password "pw"); the grant is given at
// once, so no consent page. Tests change the provider through /__test/ (never in a real one):
//   POST /__test/account  {"id": "...", ...claims}   add or change an account
//   POST /__test/evil     {"mode": "..."}            spoil the next ID tokens (see EVIL below)
//   POST /__test/rotate                              sign with a new key, published in the JWKS
//   POST /__test/reset                               back to the start
// The token endpoint's answer is changed after the library made it, so what wol receives is a
// real token response with one thing wrong, and wol's real checks must find it.

import { createServer } from 'node:http';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const issuer = `http://127.0.0.1:${port}`;
const CLIENT_ID = 'wol-test';

const START_ACCOUNTS = {
  ann: { email: 'ann@agency.example', email_verified: true, name: 'Ann Peeters', locale: 'nl-BE',
    department: 'Digitale Overheid', groups: ['staff', 'wol-organisers'] },
  bram: { email: 'bram@agency.example', email_verified: true, name: 'Bram de Vries',
    locale: 'en-GB', groups: ['staff'] },
};
let accounts = structuredClone(START_ACCOUNTS);

async function newKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

// The provider signs with `first`; `rotated` takes over after /__test/rotate; `stranger` is
// never published (a token signed with it comes from an unknown key).
const first = await newKey('key-1');
const rotated = await newKey('key-2');
const stranger = await newKey('key-unknown');
let signingKey = first;
let published = [first];
let evil = null;

function publicJwk(jwk) {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg, use };
}

const configuration = {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: 'wol-test-secret',
    redirect_uris: ['http://127.0.0.1/sso/callback'],
    post_logout_redirect_uris: ['http://127.0.0.1/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [first] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'locale', 'department'],
    groups: ['groups'],
  },
  // Claims in the ID token itself, as Entra ID and Keycloak put them there.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!doctype html><html lang="en"><title>Sign out</title>
          <h1>Sign out of the test provider?</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`;
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['wol-test-cookie-key'] },
  async findAccount(ctx, id) {
    if (!accounts[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: accounts[id].sub || id, ...accounts[id] }) };
  },
  ttl: { IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Provider error</title><h1>${out.error}</h1>`;
  },
};

const provider = new Provider(issuer, configuration);
const allowed = (value, path) => {
  try {
    const url = new URL(value);
    return ['127.0.0.1', 'wol.test'].includes(url.hostname) && url.pathname === path;
  } catch {
    return false;
  }
};
provider.Client.prototype.redirectUriAllowed = (value) => allowed(value, '/sso/callback');
provider.Client.prototype.postLogoutRedirectUriAllowed = (value) => allowed(value, '/');

async function readBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw;
}

const page = (uid, message = '') => `<!doctype html><html lang="en"><title>Test provider</title>
<h1>Sign in at the test provider</h1>${message ? `<p role="alert">${message}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Account <input name="login" autocomplete="off"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form>`;

// Spoil an ID token the library made, according to the current evil mode.
async function spoil(idToken) {
  const header = decodeProtectedHeader(idToken);
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  const sign = async (payload, jwk) => {
    const { importJWK } = await import('jose');
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: header.typ })
      .sign(await importJWK(jwk, 'RS256'));
  };
  switch (evil) {
    case 'tampered': {
      // Another person's address in the body, the original signature kept.
      const [h, , s] = idToken.split('.');
      const body = Buffer.from(JSON.stringify({ ...claims, email: 'mallory@evil.example' }))
        .toString('base64url');
      return `${h}.${body}.${s}`;
    }
    case 'audience':
      return sign({ ...claims, aud: 'another-app' }, signingKey);
    case 'expired':
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 }, signingKey);
    case 'unknown-key':
      return sign(claims, stranger);
    case 'issuer':
      return sign({ ...claims, iss: 'https://evil.example' }, signingKey);
    case 'nonce':
      return sign({ ...claims, nonce: 'not-the-one-you-sent' }, signingKey);
    default:
      return idToken;
  }
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/jwks' && ctx.method === 'GET') {
    ctx.type = 'application/jwk-set+json';
    ctx.body = { keys: published.map(publicJwk) };
    return;
  }
  if (ctx.path.startsWith('/__test/') && ctx.method === 'POST') {
    const raw = await readBody(ctx.req);
    const body = raw ? JSON.parse(raw) : {};
    if (ctx.path === '/__test/account') {
      const { id, ...claims } = body;
      accounts[id] = { ...(accounts[id] || {}), ...claims };
    } else if (ctx.path === '/__test/evil') {
      evil = body.mode || null;
    } else if (ctx.path === '/__test/rotate') {
      signingKey = rotated;
      published = [first, rotated];
    } else if (ctx.path === '/__test/reset') {
      accounts = structuredClone(START_ACCOUNTS);
      evil = null;
      signingKey = first;
      published = [first];
    }
    ctx.body = { ok: true };
    return;
  }
  const interaction = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (interaction) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    ctx.type = 'html';
    if (!interaction[2]) {
      ctx.body = page(details.uid);
      return;
    }
    const form = new URLSearchParams(await readBody(ctx.req));
    const login = form.get('login');
    if (!accounts[login] || form.get('password') !== 'pw') {
      ctx.body = page(details.uid, 'Unknown account or wrong password.');
      return;
    }
    const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'locale', 'department', 'groups']);
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: login }, consent: { grantId },
    }, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return;
  }
  await next();
  if (ctx.path === '/token' && evil && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token) };
  }
  if (ctx.path === '/token' && signingKey !== first && ctx.body && ctx.body.id_token) {
    // After a rotation: the same claims, signed with the new key the JWKS now lists.
    const { importJWK } = await import('jose');
    const claims = decodeJwt(ctx.body.id_token);
    ctx.body = { ...ctx.body, id_token: await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid })
      .sign(await importJWK(signingKey, 'RS256')) };
  }
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
