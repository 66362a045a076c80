// Scenario: a web app on another origin calls the REST API from the browser
// (CORS). Chromium opens a page on an origin listed in http.allowed_origins
// and one on an origin that is not, and each makes the calls an app would:
// create, get and delete a room with a bearer token, and one call with a bad
// token whose JSON error the app must be able to read. The Go test checks
// what each page could read.
import { scenario, env, log } from './lib.mjs';

const allowed = process.env.CONCLAVE_CORS_ALLOWED;
const other = process.env.CONCLAVE_CORS_OTHER;
const token = process.env.CONCLAVE_CORS_TOKEN;

async function calls(p, room) {
  return p.page.evaluate(async ({ api, token, room }) => {
    const call = async (method, path, bearer, body) => {
      try {
        const headers = { Authorization: 'Bearer ' + bearer };
        if (body) headers['Content-Type'] = 'application/json';
        const r = await fetch(api + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
        const text = await r.text();
        return { status: r.status, body: text ? JSON.parse(text) : null };
      } catch (e) {
        return { error: `${e.name}: ${e.message}` };
      }
    };
    return {
      create: await call('POST', '/v1/rooms', token, { name: room }),
      get: await call('GET', '/v1/rooms/' + room, token),
      refused: await call('GET', '/v1/rooms', 'not-a-token'),
      remove: await call('DELETE', '/v1/rooms/' + room, token),
    };
  }, { api: env.url, token, room });
}

scenario('cors', async (ctx) => {
  const browser = await ctx.browser();
  const a = await browser.page('allowed');
  await a.page.goto(allowed + '/');
  const o = await browser.page('other');
  await o.page.goto(other + '/');
  const fromAllowed = await calls(a, env.room + '-allowed');
  log('allowed origin:', JSON.stringify(fromAllowed));
  const fromOther = await calls(o, env.room + '-other');
  log('other origin:', JSON.stringify(fromOther));
  return { allowed: fromAllowed, other: fromOther };
});
