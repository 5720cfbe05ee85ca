// Opportunities in a browser, with three people at once, each in their own browser context. A
// visitor reads the empty board and is sent to sign in for the directory. The author posts an
// opportunity with the form (on-site work without a city is explained and the values stay),
// sees its page, and finds it on the board with the filter. The applicant applies with a
// teammate (a bad link is explained and the values stay), waits for the team, and gets 403 on
// the review page. The teammate accepts the invitation on "My applications" and opens the
// opportunity to apply on their own. The author reviews the application (cover note, links,
// team with states and home spaces) and accepts it, which fills the opportunity; the
// teammate's own application is then refused with the reason. The applicant reads the answer,
// lists themselves in the directory, and the author finds them there by skill. Every page
// passes the accessibility check in both colour schemes.
// Environment: BASE; AUTHOR_LOGIN, AUTHOR_PASSWORD; APPLICANT_LOGIN, APPLICANT_PASSWORD and
// APPLICANT_NAME (their display name); TEAMMATE_LOGIN, TEAMMATE_PASSWORD and TEAMMATE (their
// handle, user@domain); DEADLINE (YYYY-MM-DD, in the future).

const TITLE = 'Accessible booking widget';
const STEP_TIMEOUT_MS = 15_000;

async function signIn(ctx, page, base, login, password) {
  await ctx.goto(page, `${base}/login`);
  await page.getByLabel('Username or e-mail').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ctx.expectUrl(page, /\/home$/);
}

// Another person at the same time: a browser context of their own (own cookies), limited to
// loopback like the runner's.
async function otherPerson(ctx, base, login, password) {
  const context = await ctx.browser.newContext({
    bypassCSP: true,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
  });
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname.replace(/^\[|\]$/g, '');
    const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
    return loopback ? route.continue() : route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  await signIn(ctx, page, base, login, password);
  return page;
}

async function checkPage(ctx, page, label, shot) {
  await ctx.a11y(page, label);
  await page.emulateMedia({ colorScheme: 'light' });
  if (shot) await ctx.screenshot(page, shot);
}

const fact = async (page, name) => (await page.locator(`dt:text-is("${name}") + dd`).first().textContent()).trim();

export default async function opportunities(ctx) {
  const { BASE, AUTHOR_LOGIN, AUTHOR_PASSWORD, APPLICANT_LOGIN, APPLICANT_PASSWORD, APPLICANT_NAME } = ctx.env;
  const { TEAMMATE_LOGIN, TEAMMATE_PASSWORD, TEAMMATE, DEADLINE } = ctx.env;
  ctx.check(
    BASE && AUTHOR_LOGIN && AUTHOR_PASSWORD && APPLICANT_LOGIN && APPLICANT_PASSWORD && APPLICANT_NAME &&
      TEAMMATE_LOGIN && TEAMMATE_PASSWORD && TEAMMATE && DEADLINE,
    'BASE, AUTHOR_*, APPLICANT_*, TEAMMATE_*, TEAMMATE and DEADLINE are set',
  );

  // A visitor: the board is public, the directory is for members.
  const page = await ctx.newPage();
  await ctx.goto(page, `${BASE}/opportunities`);
  await ctx.expectText(page, 'No open opportunity matches.');
  await checkPage(ctx, page, 'opportunity board (visitor)');
  await ctx.goto(page, `${BASE}/directory`);
  await ctx.expectUrl(page, /\/login\?next=%2Fdirectory$/);

  // The author posts an opportunity; on-site work without a city is explained.
  await signIn(ctx, page, BASE, AUTHOR_LOGIN, AUTHOR_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Opportunities' }).click();
  await ctx.expectUrl(page, /\/opportunities$/);
  const form = page.locator('form[aria-labelledby=new-opportunity]');
  await form.getByLabel('Title').fill(TITLE);
  await form.getByLabel('Description').fill('Our rooms need a **keyboard-friendly** booking widget.');
  await form.getByLabel('What it is').selectOption('collaboration');
  await form.getByLabel('Skills').fill('rust, accessibility');
  await form.getByLabel('Where the work happens').selectOption('onsite');
  await form.getByLabel('Amount').fill('1500');
  await form.getByLabel('Currency').fill('EUR');
  await form.getByLabel('Deadline').fill(DEADLINE);
  await form.getByLabel('Team size').fill('2');
  await form.getByRole('button', { name: 'Post the opportunity' }).click();
  await ctx.expectText(page, 'on-site work needs a city or a space');
  ctx.check(await form.getByLabel('Title').inputValue() === TITLE, 'the title stays');
  ctx.check(await form.getByLabel('Where the work happens').inputValue() === 'onsite', 'the work mode stays');
  ctx.check(await form.getByLabel('Deadline').inputValue() === DEADLINE, 'the deadline stays');
  await checkPage(ctx, page, 'opportunity board with an error');

  await form.getByLabel('City').fill('Lyon');
  await form.getByRole('button', { name: 'Post the opportunity' }).click();
  await ctx.expectText(page, 'Your opportunity is on the board.');
  const url = page.url().replace(/\?.*$/, '');
  ctx.check(/\/opportunities\/[^/]+$/.test(url), `the opportunity has its page, not ${url}`);
  ctx.check(await fact(page, 'What') === 'Collaboration', 'the kind is shown');
  ctx.check(await fact(page, 'Where') === 'On site in Lyon', 'the place is shown');
  ctx.check(await fact(page, 'Budget') === '1500.00 EUR', 'the budget is shown');
  ctx.check(await fact(page, 'Apply by') === DEADLINE, 'the deadline is shown');
  ctx.check(await fact(page, 'Team size') === '2 people', 'the team size is shown');
  ctx.check(await fact(page, 'Status') === 'open', 'the opportunity is open');
  const skills = await fact(page, 'Skills');
  ctx.check(skills.includes('rust') && skills.includes('accessibility'), `the skills are shown: ${skills}`);
  await page.locator('strong', { hasText: 'keyboard-friendly' }).waitFor();
  ctx.check(await page.getByRole('button', { name: 'Close the opportunity' }).count() === 1, 'the author can close it');
  await checkPage(ctx, page, 'opportunity (author)', 'opportunity');

  // The board lists it; the filter finds it by skill and mode, and not by another skill.
  await ctx.goto(page, `${BASE}/opportunities`);
  await page.getByRole('link', { name: TITLE }).waitFor();
  const find = page.getByRole('search', { name: 'Filter the opportunities' });
  await find.getByLabel('Skill').fill('cobol');
  await find.getByRole('button', { name: 'Filter' }).click();
  await ctx.expectText(page, 'No open opportunity matches.');
  await find.getByLabel('Skill').fill('rust');
  await find.getByLabel('Work mode').selectOption('onsite');
  await find.getByRole('button', { name: 'Filter' }).click();
  await ctx.expectUrl(page, /skill=rust/);
  await page.getByRole('link', { name: TITLE }).waitFor();
  await checkPage(ctx, page, 'opportunity board', 'opportunities');

  // The applicant applies with a teammate; a bad link is explained and the values stay.
  const applicant = await otherPerson(ctx, BASE, APPLICANT_LOGIN, APPLICANT_PASSWORD);
  await applicant.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Opportunities' }).click();
  await applicant.getByRole('link', { name: TITLE }).click();
  await ctx.expectUrl(applicant, new RegExp(`${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  const cover = 'I built the booking pages of two spaces.\nHappy to pair on it.';
  await applicant.getByLabel('Cover note').fill(cover);
  await applicant.getByLabel('Links').fill('https://example.org/portfolio\nnot a link');
  await applicant.getByLabel('Teammates').fill(TEAMMATE);
  await applicant.getByLabel('Amount').fill('1400');
  await applicant.getByRole('button', { name: 'Send the application' }).click();
  await ctx.expectText(applicant, "'not a link' is not an http or https URL");
  ctx.check(await applicant.getByLabel('Cover note').inputValue() === cover, 'the cover note stays');
  ctx.check(await applicant.getByLabel('Teammates').inputValue() === TEAMMATE, 'the teammates stay');
  ctx.check(await applicant.getByLabel('Amount').inputValue() === '1400', 'the proposed budget stays');
  await checkPage(ctx, applicant, 'opportunity with an application error');

  await applicant.getByLabel('Links').fill('https://example.org/portfolio');
  await applicant.getByRole('button', { name: 'Send the application' }).click();
  await ctx.expectText(applicant, 'Your application waits for your teammates');
  await applicant.locator('strong', { hasText: 'awaiting team' }).waitFor();
  ctx.check(await applicant.getByRole('button', { name: 'Withdraw the application' }).count() === 1, 'the application can be withdrawn');
  await checkPage(ctx, applicant, 'opportunity applied', 'opportunity-applied');
  const refused = await applicant.goto(`${url}/applications`);
  ctx.check(refused && refused.status() === 403, `the applicant gets 403 on the review page, not ${refused && refused.status()}`);

  // The teammate accepts the invitation, then opens the opportunity to apply on their own.
  const teammate = await otherPerson(ctx, BASE, TEAMMATE_LOGIN, TEAMMATE_PASSWORD);
  await ctx.goto(teammate, `${BASE}/applications`);
  const invitation = teammate.locator('section[aria-labelledby=invitations] article', { hasText: TITLE });
  await invitation.waitFor();
  await checkPage(ctx, teammate, 'my applications with an invitation');
  await invitation.getByRole('button', { name: /^Accept/ }).click();
  await ctx.expectText(teammate, 'You are in the team');
  await ctx.expectText(teammate, 'No invitation waits for your answer.');
  await ctx.expectText(teammate, `${APPLICANT_NAME} applied with you`);
  await ctx.goto(teammate, url);
  await teammate.getByLabel('Cover note').fill('I can also help on my own.');

  // The author reviews the application and accepts it: with its team of two, that fills it.
  await ctx.goto(page, url);
  await page.getByRole('link', { name: 'Review the applications' }).click();
  await ctx.expectUrl(page, /\/applications$/);
  const card = page.locator('article', { has: page.getByRole('heading', { name: APPLICANT_NAME }) });
  await card.locator('dt:text-is("State") + dd:text-is("submitted")').waitFor();
  ctx.check((await card.locator('dt:text-is("Source") + dd').textContent()).trim() === 'An application', 'the source is shown');
  ctx.check((await card.locator('dt:text-is("Proposed budget") + dd').textContent()).trim() === '1400.00 EUR', 'the proposed budget is shown');
  await card.getByText('I built the booking pages of two spaces.').waitFor();
  await card.getByRole('link', { name: 'https://example.org/portfolio' }).waitFor();
  const team = (await card.locator('dt:text-is("Team") + dd').textContent()).replace(/\s+/g, ' ');
  ctx.check(team.includes('accepted') && team.includes('from'), `the team shows states and home spaces: ${team}`);
  await checkPage(ctx, page, 'applications to review', 'applications');
  await card.getByLabel(/^Message to/).fill('Welcome aboard!');
  await card.getByRole('button', { name: /^Accept/ }).click();
  await ctx.expectText(page, 'The application is accepted');
  await card.locator('dt:text-is("State") + dd:text-is("accepted")').waitFor();
  await ctx.goto(page, url);
  ctx.check(await fact(page, 'Status') === 'filled', 'the opportunity is filled');
  ctx.check(await page.getByRole('button', { name: 'Reopen the opportunity' }).count() === 1, 'the author can reopen it');

  // Too late for the teammate's own application: the refusal says why.
  await teammate.getByRole('button', { name: 'Send the application' }).click();
  await ctx.expectText(teammate, 'Your application was not sent: this opportunity is filled and takes no applications.');
  await checkPage(ctx, teammate, 'opportunity refused');

  // The applicant reads the answer, and lists themselves in the directory.
  await ctx.goto(applicant, `${BASE}/applications`);
  await ctx.expectText(applicant, "The poster's message: Welcome aboard!");
  await checkPage(ctx, applicant, 'my applications');
  await ctx.goto(applicant, `${BASE}/directory`);
  await ctx.expectText(applicant, 'You are not listed in the directory.');
  await applicant.getByRole('button', { name: 'List me in the directory' }).click();
  await ctx.expectText(applicant, 'You are listed in the directory.');
  await checkPage(ctx, applicant, 'directory');

  // The author finds them by skill.
  await ctx.goto(page, `${BASE}/directory`);
  const people = page.getByRole('search', { name: 'Find people' });
  await people.getByLabel('Skill').fill('rust');
  await people.getByRole('button', { name: 'Find people' }).click();
  await page.locator('section[aria-labelledby=people] article', { hasText: APPLICANT_NAME }).waitFor();
  await checkPage(ctx, page, 'directory by skill', 'directory');
}
