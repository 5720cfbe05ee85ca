// A web client on another origin, as Phanpy and Elk are: a page served from its own loopback
// address registers an app, sends the member through the OAuth page with PKCE, exchanges the
// code, reads the home timeline and the v2 notifications, and opens the streaming WebSocket
// with the token offered as its subprotocol; everything from the page's origin, so the
// browser enforces CORS on each call.
// Environment: BASE, LOGIN and PASSWORD (a member).

import http from 'node:http';

export default async function webclient(ctx) {
  const { BASE, LOGIN, PASSWORD } = ctx.env;
  ctx.check(BASE && LOGIN && PASSWORD, 'BASE, LOGIN and PASSWORD are set');
  // The client's own origin: 127.0.0.1 and a port of its own (the instance is `localhost`).
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>A web client</title><main><h1>A web client</h1></main></html>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  ctx.check(new URL(origin).origin !== new URL(BASE).origin, 'the client is on another origin');
  const redirect = `${origin}/callback`;
  try {
    const page = await ctx.newPage();
    await ctx.goto(page, `${origin}/`);

    const app = await page.evaluate(async ({ BASE, redirect }) => {
      const r = await fetch(`${BASE}/api/v1/apps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: 'Browser client', redirect_uris: redirect, scopes: 'read write push' }),
      });
      return { status: r.status, body: await r.json() };
    }, { BASE, redirect });
    ctx.check(app.status === 200 && app.body.client_id, `the app is registered: ${JSON.stringify(app)}`);

    const pkce = await page.evaluate(async () => {
      const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
        .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
      const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
      return { verifier, challenge: b64url(digest) };
    });

    const authorize = new URL(`${BASE}/oauth/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id: app.body.client_id, redirect_uri: redirect,
      scope: 'read write push', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'xyz',
    }).toString();
    await ctx.goto(page, authorize.toString());
    await ctx.expectText(page, 'Browser client');
    await page.getByLabel('Username or e-mail').fill(LOGIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((u) => u.toString().startsWith(redirect));
    const back = new URL(page.url());
    const code = back.searchParams.get('code');
    ctx.check(code && back.searchParams.get('state') === 'xyz', `the code comes back with the state: ${back}`);

    const out = await page.evaluate(async ({ BASE, app, code, redirect, verifier }) => {
      const out = {};
      const token = await fetch(`${BASE}/oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code', code, client_id: app.client_id,
          client_secret: app.client_secret, redirect_uri: redirect, code_verifier: verifier,
        }),
      });
      out.token = { status: token.status, body: await token.json() };
      const bearer = out.token.body.access_token;
      const auth = { Authorization: `Bearer ${bearer}` };
      const home = await fetch(`${BASE}/api/v1/timelines/home?limit=5`, { headers: auth });
      out.home = { status: home.status, body: await home.json() };
      const groups = await fetch(`${BASE}/api/v2/notifications`, { headers: auth });
      out.groups = { status: groups.status, body: await groups.json() };
      const unread = await fetch(`${BASE}/api/v2/notifications/unread_count`, { headers: auth });
      out.unread = { status: unread.status, body: await unread.json() };
      const wsUrl = `${BASE.replace(/^http/, 'ws')}/api/v1/streaming?stream=user`;
      out.stream = await new Promise((resolve) => {
        const ws = new WebSocket(wsUrl, bearer);
        const timer = setTimeout(() => resolve({ error: 'no update within 10 s' }), 10_000);
        let posting = null;
        ws.onopen = () => {
          posting = fetch(`${BASE}/api/v1/statuses`, {
            method: 'POST',
            headers: { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': 'web-1' },
            body: JSON.stringify({ status: 'Hello from a web client' }),
          }).then((r) => r.status);
        };
        ws.onmessage = async (m) => {
          const event = JSON.parse(m.data);
          if (event.event !== 'update') return;
          clearTimeout(timer);
          // The update may arrive before the answer to the post itself.
          out.posted = await posting;
          resolve({ protocol: ws.protocol, content: JSON.parse(event.payload).content });
          ws.close();
        };
        ws.onerror = () => { clearTimeout(timer); resolve({ error: 'the WebSocket failed' }); };
      });
      return out;
    }, { BASE, app: app.body, code, redirect, verifier: pkce.verifier });

    ctx.check(out.token.status === 200 && out.token.body.access_token, `the code gives a token: ${JSON.stringify(out.token)}`);
    ctx.check(out.home.status === 200 && Array.isArray(out.home.body), `home timeline: ${JSON.stringify(out.home)}`);
    ctx.check(out.groups.status === 200 && out.groups.body.notification_groups.length >= 1,
      `v2 notifications: ${JSON.stringify(out.groups)}`);
    ctx.check(out.unread.status === 200 && out.unread.body.count >= 1, `unread count: ${JSON.stringify(out.unread)}`);
    ctx.check(!out.stream.error, `streaming: ${out.stream.error}`);
    ctx.check(out.stream.protocol === out.token.body.access_token, 'the 101 names the offered subprotocol');
    ctx.check(out.stream.content.includes('Hello from a web client'), `the update arrives: ${JSON.stringify(out.stream)}`);
    ctx.check(out.posted === 200, `posted: ${out.posted}`);
  } finally {
    server.close();
  }
}
