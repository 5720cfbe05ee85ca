// An event in a browser: a visitor reads its page and the space's list (accessible in both
// schemes, offered to join from their own fediverse server); a member signs in, joins, sees
// they are going, and leaves; then organises an event of their own with the form (a bad end
// time is explained and the values stay).
// Environment: BASE, EVENT_URL (the event's page), TITLE, LOGIN and PASSWORD (a member).

const seatsLeft = async (page) => (await page.locator('dt:text-is("Seats left") + dd').textContent()).trim();

export default async function events(ctx) {
  const { BASE, EVENT_URL, TITLE, LOGIN, PASSWORD } = ctx.env;
  ctx.check(BASE && EVENT_URL && TITLE && LOGIN && PASSWORD, 'BASE, EVENT_URL, TITLE, LOGIN and PASSWORD are set');
  const page = await ctx.newPage();

  await ctx.goto(page, EVENT_URL);
  await ctx.expectText(page, TITLE);
  await ctx.expectText(page, 'Join with your fediverse account');
  ctx.check(await seatsLeft(page) === '3', 'three seats left before anyone joins');
  await ctx.a11y(page, 'event page');
  await page.emulateMedia({ colorScheme: 'light' });
  await ctx.screenshot(page, 'event');

  await ctx.goto(page, `${BASE}/spaces/space/events`);
  await ctx.expectText(page, TITLE);
  await ctx.a11y(page, 'space events');
  await page.emulateMedia({ colorScheme: 'light' });

  await ctx.goto(page, `${BASE}/login`);
  await page.getByLabel('Username or e-mail').fill(LOGIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ctx.expectUrl(page, /\/home$/);

  await ctx.goto(page, EVENT_URL);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await ctx.expectText(page, 'You are going.');
  ctx.check(await seatsLeft(page) === '2', 'two seats left after joining');
  await ctx.a11y(page, 'event joined');
  await page.emulateMedia({ colorScheme: 'light' });
  await ctx.screenshot(page, 'event-joined');
  await page.getByRole('button', { name: 'Leave' }).click();
  await ctx.expectText(page, 'You no longer take part.');

  await ctx.goto(page, `${BASE}/events`);
  await page.getByLabel('Title').fill('Zine swap');
  await page.getByLabel('Starts').fill('2027-05-04T18:30');
  await page.getByLabel('Ends').fill('2027-05-04T17:00');
  await page.getByLabel('Time zone').fill('Europe/Paris');
  await page.getByLabel('Seats').fill('12');
  await page.getByRole('button', { name: 'Publish the event' }).click();
  await ctx.expectText(page, 'must be after starts_at');
  await ctx.a11y(page, 'events with the form');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByLabel('Ends').fill('2027-05-04T21:00');
  await page.getByRole('button', { name: 'Publish the event' }).click();
  await ctx.expectText(page, 'Your event is published.');
  await ctx.expectText(page, 'Tue 4 May 2027, 18:30');
}
