// The whole journey of a new space in a browser: the operator signs in with the first-run
// credentials, configures the space and invites a member; the member signs up with the link,
// posts, follows someone on another instance, edits their profile and reports that account;
// the operator resolves the report and blocks a domain. Every main page passes the
// accessibility check in the light and the dark scheme (the operator first replaces the
// one-time password); screenshots go to INTERSPACE_SCREENSHOTS.
// Environment: BASE (instance A), OP_USER and OP_PASSWORD (A's first-run operator), REMOTE
// (a handle on instance B to follow), REMOTE_NAME (its display name).

export default async function journey(ctx) {
  const { BASE, OP_USER, OP_PASSWORD, REMOTE, REMOTE_NAME } = ctx.env;
  ctx.check(BASE && OP_USER && OP_PASSWORD && REMOTE && REMOTE_NAME, 'BASE, OP_USER, OP_PASSWORD, REMOTE and REMOTE_NAME are set');
  const page = await ctx.newPage();
  const checkPage = async (label, shot) => {
    await ctx.a11y(page, label);
    await page.emulateMedia({ colorScheme: 'light' });
    if (shot) await ctx.screenshot(page, shot);
  };

  const signIn = async (login, password) => {
    await ctx.goto(page, `${BASE}/login`);
    await page.getByLabel('Username or e-mail').fill(login);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await ctx.expectUrl(page, /\/home$/);
  };
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await ctx.expectUrl(page, /\/login$/);
  };

  // Signed-out pages.
  await ctx.goto(page, `${BASE}/login`);
  await checkPage('sign-in page', 'login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await ctx.expectText(page, 'This space sends no e-mail.');
  await checkPage('forgotten password', null);

  // The operator replaces the one-time password, then configures the space.
  await signIn(OP_USER, OP_PASSWORD);
  const opPassword = 'a-password-of-my-own';
  await ctx.goto(page, `${BASE}/settings`);
  await page.getByLabel('Current password').fill(OP_PASSWORD);
  await page.getByLabel('New password').fill(opPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await ctx.expectText(page, 'Your password is changed.');
  await ctx.goto(page, `${BASE}/admin/space`);
  await page.getByLabel('Name', { exact: true }).fill('Fabrik Coworking');
  await page.getByLabel('Description').fill('Desks, meeting rooms and good coffee by the river.');
  await page.getByLabel('Street').fill('12 Quai des Arts');
  await page.getByLabel('Postal code').fill('69002');
  await page.getByLabel('City').fill('Lyon');
  await page.getByLabel('Country').fill('FR');
  await page.getByLabel('Opening hours').fill('Mon-Fri 8:00-19:00');
  await page.getByLabel('Time zone').fill('Europe/Paris');
  await page.getByLabel('Day price').fill('25.00');
  await page.getByLabel('Visit policy').selectOption('on_request');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await ctx.expectText(page, 'The space settings are saved.');
  await checkPage('space settings', 'admin-space');

  // A bad time zone is explained, nothing is saved.
  await page.getByLabel('Time zone').fill('Mars/Olympus');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await ctx.expectText(page, 'Mars/Olympus');
  await ctx.expectVisible(page, '[role=alert]');

  // ... and invites a member.
  await ctx.goto(page, `${BASE}/admin/members`);
  await page.getByLabel('Their e-mail').fill('dana@example.org');
  await page.getByRole('button', { name: 'Create invite' }).click();
  await ctx.expectText(page, 'Invite created');
  const invite = await page.locator('#invite-link').getAttribute('href');
  ctx.check(invite && invite.includes('/invite/'), `an invite link: ${invite}`);
  await checkPage('members page', 'admin-members');
  await ctx.goto(page, `${BASE}/admin`);
  await checkPage('dashboard', 'admin-dashboard');
  await signOut();

  // The member signs up with the link and lands on their home page.
  await ctx.goto(page, invite);
  ctx.check((await page.getByLabel('E-mail').inputValue()) === 'dana@example.org', 'the e-mail is filled in');
  await checkPage('sign-up page', 'register');
  await page.getByLabel('Username').fill('dana');
  await page.getByLabel('Password').fill('dana-password');
  await page.getByLabel('I accept the rules of this space').check();
  await page.getByRole('button', { name: 'Sign up' }).click();
  await ctx.expectUrl(page, /\/home\?done=registered$/);
  await ctx.expectText(page, 'Welcome!');

  // Posts.
  await page.getByLabel('What are you working on?').fill('Hello from the browser, first day at Fabrik!');
  await page.getByRole('button', { name: 'Post' }).click();
  await ctx.expectText(page, 'Your post is published.');
  await ctx.expectText(page, 'Hello from the browser, first day at Fabrik!');
  await checkPage('home timeline', 'home');

  // Follows someone on another instance.
  await ctx.goto(page, `${BASE}/follow`);
  await page.getByLabel('Their handle').fill(REMOTE);
  await page.getByRole('button', { name: 'Follow' }).click();
  await ctx.expectText(page, 'Followed.');
  await ctx.expectText(page, REMOTE_NAME);
  const remoteUrl = page.url();
  await checkPage('remote account', 'account');

  // Edits the profile.
  await ctx.goto(page, `${BASE}/settings/profile`);
  await page.getByLabel('Display name').fill('Dana Designer');
  await page.getByLabel('Bio').fill('Product designer. Ask me about typography.');
  await page.getByLabel('Skills').fill('design, typography');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await ctx.expectUrl(page, /\/@dana\?done=profile$/);
  await ctx.expectText(page, 'Dana Designer');
  await ctx.expectText(page, 'design, typography');
  await checkPage('member profile', 'profile');

  await ctx.goto(page, `${BASE}/settings`);
  await checkPage('settings', null);
  await ctx.goto(page, `${BASE}/notifications`);
  await checkPage('notifications', null);

  // Reports the remote account.
  await ctx.goto(page, remoteUrl.replace(/\?.*$/, ''));
  await page.getByRole('link', { name: 'Report' }).first().click();
  await page.getByLabel('Reason').selectOption('spam');
  await page.getByLabel('What happened?').fill('Sends me adverts every hour.');
  await checkPage('report form', null);
  await page.getByRole('button', { name: 'Send report' }).click();
  await ctx.expectText(page, 'Thank you.');
  await signOut();

  // The operator resolves the report and blocks a domain.
  await signIn(OP_USER, opPassword);
  await ctx.goto(page, `${BASE}/admin/reports`);
  await checkPage('reports', 'admin-reports');
  await page.locator('table a').first().click();
  await ctx.expectText(page, 'Sends me adverts every hour.');
  await checkPage('report', null);
  await page.getByRole('button', { name: 'Silence the account' }).click();
  await ctx.expectText(page, 'The report is resolved.');
  await ctx.expectText(page, 'resolved: silence');

  await ctx.goto(page, `${BASE}/admin/federation`);
  await page.getByLabel('Domain', { exact: true }).fill('spam.example');
  await page.getByLabel('Reason').fill('Unsolicited adverts');
  await page.getByRole('button', { name: 'Block' }).click();
  await ctx.expectText(page, 'The domain is blocked.');
  await ctx.expectText(page, 'Unsolicited adverts');
  await checkPage('federation', 'admin-federation');
  await signOut();

  // The public home page shows the configured space.
  await ctx.goto(page, `${BASE}/`);
  await ctx.expectText(page, 'Fabrik Coworking');
  await ctx.expectText(page, '12 Quai des Arts, 69002 Lyon, FR');
  await ctx.expectText(page, 'Hello from the browser');
  await checkPage('space home page', 'space');
}
