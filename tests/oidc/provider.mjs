// A real OpenID Provider for the single sign-on tests: the certified `oidc-provider`
// package with its own login and consent pages (devInteractions: any login name is
// accepted, the password is not checked). The settings come from a JSON file named on
// the command line, written by the pytest fixture in tests/oidc/provider.py:
//
//   port             the port to listen on, on 127.0.0.1
//   issuer           the issuer identifier (default http://127.0.0.1:<port>)
//   keys_file        a JSON file holding the private signing key; made on first use,
//                    so that several instances can share one key
//   accounts_file    a JSON file of test accounts, {"login": {claims...}}, read at each
//                    sign-in so that a test can change an account's email or claims
//   clients          the registered clients, in oidc-provider's client metadata
//   token_clock_offset_seconds
//                    shifts this provider's clock while it answers token requests, as
//                    a provider with a wrong clock would, so its ID tokens are expired
//   test_hooks       when true, POST /test/next-id-token {"id_token": "..."} makes the
//                    next token response carry that ID token instead of its own (used
//                    only to hand the app a real token from another client or another
//                    provider instance; see tests/oidc/provider.py)
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = settings.issuer || `http://127.0.0.1:${settings.port}`;
const KEY_ID = 'courseapp-test-signing-key';

function signingKeys(file) {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: KEY_ID, use: 'sig', alg: 'RS256' };
    writeFileSync(file, JSON.stringify({ keys: [jwk] }), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

function accounts() {
  return JSON.parse(readFileSync(settings.accounts_file, 'utf8'));
}

const provider = new Provider(issuer, {
  clients: settings.clients,
  jwks: signingKeys(settings.keys_file),
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified', 'hd'],
    profile: ['name', 'given_name', 'family_name', 'team', 'job_title'],
  },
  pkce: { required: () => true },
  // Put the scopes' claims in the ID token, as Entra ID and Google do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['courseapp-test-cookie-key'] },
  async findAccount(_ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});
provider.proxy = false;

let nextIdToken = null;
const realNow = Date.now;

provider.use(async (ctx, next) => {
  if (settings.test_hooks && ctx.method === 'POST' && ctx.path === '/test/next-id-token') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    nextIdToken = JSON.parse(Buffer.concat(chunks).toString('utf8')).id_token;
    ctx.status = 204;
    return;
  }
  const offset = ctx.path === '/token' ? settings.token_clock_offset_seconds || 0 : 0;
  if (offset) Date.now = () => realNow() + offset * 1000;
  try {
    await next();
  } finally {
    Date.now = realNow;
  }
  if (ctx.path === '/token' && nextIdToken && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: nextIdToken };
    nextIdToken = null;
  }
});

const server = provider.listen(settings.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});

function stop() {
  server.close(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
