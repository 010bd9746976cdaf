// An OpenID Connect provider on loopback for the sso tests (tests/sso/conftest.py starts it).
// node oidc.mjs <port> ; configuration from the environment:
//   OIDC_CLIENTS  JSON list of {client_id, client_secret, redirect_uris}
//   OIDC_ACCOUNTS JSON object {login: {email, email_verified, name, institution}}
//   OIDC_REDIRECT_PREFIX any redirect URI starting with it is allowed (the connection's key,
//                 in the callback's path, is made after the provider starts)
//   OIDC_TAMPER   "aud" or "iss": the ID token the token endpoint returns is re-signed with
//                 that claim changed (a misbehaving or hostile provider).
// oidc-provider's development login form takes any password for a login listed in OIDC_ACCOUNTS.
import "./clock.mjs"; // first: the provider dates things on the test's clock
import Provider from "oidc-provider";
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK } from "jose";

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || "[]");
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");
const tamper = process.env.OIDC_TAMPER || "";

const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: "test-key", use: "sig", alg: "RS256" };

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({ grant_types: ["authorization_code"], response_types: ["code"], ...c })),
  jwks: { keys: [jwk] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "institution"] },
  scopes: ["openid", "email", "profile"],
  findAccount: async (ctx, id) =>
    accounts[id] ? { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) } : undefined,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => false },
  cookies: { keys: ["sso-tests-only"] },
  conformIdTokenClaims: false,
  ttl: { Session: 600, Interaction: 600, Grant: 600 },
});

const redirectPrefix = process.env.OIDC_REDIRECT_PREFIX || "";
if (redirectPrefix) {
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return typeof value === "string" && value.startsWith(redirectPrefix);
  };
}

if (tamper) {
  const key = await importJWK(jwk, "RS256");
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === "/token" && ctx.body && ctx.body.id_token) {
      const claims = decodeJwt(ctx.body.id_token);
      if (tamper === "aud") claims.aud = "someone-else";
      if (tamper === "iss") claims.iss = "http://127.0.0.1:1/not-this-provider";
      ctx.body = {
        ...ctx.body,
        id_token: await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "test-key" }).sign(key),
      };
    }
  });
}

provider.listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on ${issuer}`));
