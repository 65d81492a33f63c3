// A real OpenID Provider for the single sign-on tests: node-oidc-provider (the certified Node
// implementation, from the npm registry) with our test clients and accounts.
//
//   node provider.mjs config.json
//
// config.json: {"clients": [{client_id, client_secret, redirect_uris}],
//               "accounts": {"<login>": {"email": ..., "email_verified": true|false, "name": ...}}}
//
// It listens on 127.0.0.1 on a free port and prints one line, "listening <issuer>", once it answers.
// Sign-in and consent are the package's own development pages (devInteractions): the login form
// takes any password for a login named in "accounts". PKCE (S256) is required of every client, so a
// relying party that forgets it is refused.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // xms_edov: Microsoft Entra ID's "email domain owner verified", for the test of an Entra-shaped account.
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'xms_edov'], profile: ['name'] },
    pkce: { required: () => true },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...account };
        },
      };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`listening ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
}
