// A visit between partner spaces in a browser, in two steps (the test lets the servers talk in
// between). STEP=ask, on the member's instance: a member signs in, opens "My visits", asks the
// partner space for today (a last day before the first is explained and the values stay), and
// sees the request; the staff pages answer 403 to them. STEP=desk, on the host's instance: the
// operator signs in, opens the front desk, sees the pending request, approves it, checks the
// visitor in, reads the partnerships, and sees a second proposal to the same space explained
// with the values kept. Every page passes the accessibility check in both colour schemes.
// Environment: STEP; for ask: BASE, LOGIN, PASSWORD (the member), HOST (the host space's
// handle, space@domain), TODAY and YESTERDAY (YYYY-MM-DD); for desk: BASE, OP_USER and
// OP_PASSWORD (the host's first-run operator), VISITOR (the visitor's handle), PARTNER (the
// visitor's space's handle).

async function signIn(ctx, page, base, login, password) {
  await ctx.goto(page, `${base}/login`);
  await page.getByLabel('Username or e-mail').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ctx.expectUrl(page, /\/home$/);
}

async function checkPage(ctx, page, label, shot) {
  await ctx.a11y(page, label);
  await page.emulateMedia({ colorScheme: 'light' });
  if (shot) await ctx.screenshot(page, shot);
}

async function ask(ctx) {
  const { BASE, LOGIN, PASSWORD, HOST, TODAY, YESTERDAY } = ctx.env;
  ctx.check(BASE && LOGIN && PASSWORD && HOST && TODAY && YESTERDAY, 'BASE, LOGIN, PASSWORD, HOST, TODAY and YESTERDAY are set');
  const page = await ctx.newPage();
  await signIn(ctx, page, BASE, LOGIN, PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visits' }).click();
  await ctx.expectUrl(page, /\/visits$/);
  await ctx.expectText(page, 'You have not asked for a visit yet.');
  await checkPage(ctx, page, 'my visits');

  // A last day before the first is explained; what was typed stays.
  await page.getByLabel('Host space').fill(HOST);
  await page.getByLabel('First day').fill(TODAY);
  await page.getByLabel('Last day').fill(YESTERDAY);
  await page.getByLabel('A word for the host').fill('A desk by the window, please');
  await page.getByRole('button', { name: 'Ask to visit' }).click();
  await ctx.expectText(page, 'must not be before date_from');
  ctx.check(await page.getByLabel('Host space').inputValue() === HOST, 'the host space stays');
  ctx.check(await page.getByLabel('A word for the host').inputValue() === 'A desk by the window, please', 'the note stays');
  await checkPage(ctx, page, 'my visits with an error');

  await page.getByLabel('Last day').fill(TODAY);
  await page.getByRole('button', { name: 'Ask to visit' }).click();
  await ctx.expectText(page, 'Your request is on its way to the host space');
  const row = page.locator('tr', { hasText: HOST });
  await row.locator('td:text-is("requested")').waitFor();
  ctx.check(await row.getByRole('button', { name: /^Cancel/ }).count() === 1, 'the request can be cancelled');
  await checkPage(ctx, page, 'my visits with a request', 'visits');

  // The staff pages are not for members.
  for (const path of ['/admin/visits', '/admin/partnerships']) {
    const res = await page.goto(`${BASE}${path}`);
    ctx.check(res && res.status() === 403, `a member gets 403 at ${path}, not ${res && res.status()}`);
  }
}

async function desk(ctx) {
  const { BASE, OP_USER, OP_PASSWORD, VISITOR, PARTNER } = ctx.env;
  ctx.check(BASE && OP_USER && OP_PASSWORD && VISITOR && PARTNER, 'BASE, OP_USER, OP_PASSWORD, VISITOR and PARTNER are set');
  const page = await ctx.newPage();
  await signIn(ctx, page, BASE, OP_USER, OP_PASSWORD);
  await ctx.goto(page, `${BASE}/admin`);
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Visits' }).click();
  await ctx.expectUrl(page, /\/admin\/visits$/);

  const waiting = page.locator('section[aria-labelledby=waiting] tr', { hasText: VISITOR });
  await waiting.locator('td:text-is("pending")').waitFor();
  await ctx.expectText(page, 'Note: A desk by the window, please');
  await checkPage(ctx, page, 'front desk with a request');
  await waiting.getByRole('button', { name: /^Approve/ }).click();
  await ctx.expectText(page, 'The visit is approved');
  await ctx.expectText(page, 'No request waits for a decision.');

  const today = page.locator('section[aria-labelledby=desk] tr', { hasText: VISITOR });
  await today.locator('td:text-is("approved")').waitFor();
  await today.getByRole('button', { name: /^Check in/ }).click();
  await ctx.expectText(page, 'The visitor is checked in.');
  await today.locator('td:text-is("checked in")').waitFor();
  ctx.check(await today.getByRole('button', { name: /^Check out/ }).count() === 1, 'the visitor can check out');
  await checkPage(ctx, page, 'front desk with a visitor', 'front-desk');

  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Partnerships' }).click();
  await ctx.expectUrl(page, /\/admin\/partnerships$/);
  const partner = page.locator('tr', { hasText: PARTNER });
  await partner.locator('td:text-is("active")').waitFor();
  ctx.check(await partner.getByRole('button', { name: /^End/ }).count() === 1, 'an active partnership can be ended');
  await checkPage(ctx, page, 'partnerships', 'partnerships');

  // A second proposal to the same space is explained; what was typed stays.
  await page.getByRole('textbox', { name: /^Partner space/ }).fill(PARTNER);
  await page.getByLabel('Free days per member per month').fill('');
  await page.getByLabel('Approval').selectOption('manual');
  await page.getByLabel('Sunday').check();
  await page.getByRole('button', { name: 'Propose' }).click();
  await ctx.expectText(page, 'a partnership with this space is already active');
  ctx.check(await page.getByRole('textbox', { name: /^Partner space/ }).inputValue() === PARTNER, 'the partner space stays');
  ctx.check(await page.getByLabel('Free days per member per month').inputValue() === '', 'unlimited stays');
  ctx.check(await page.getByLabel('Approval').inputValue() === 'manual', 'the approval stays');
  ctx.check(await page.getByLabel('Sunday').isChecked() && !(await page.getByLabel('Saturday').isChecked()), 'the days stay');
  await checkPage(ctx, page, 'partnerships with an error');
}

export default async function visits(ctx) {
  const step = ctx.env.STEP;
  if (step === 'ask') return ask(ctx);
  if (step === 'desk') return desk(ctx);
  ctx.check(false, `STEP is ask or desk, not ${JSON.stringify(step)}`);
}
