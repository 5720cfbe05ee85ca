// Runs one end-to-end browser flow in headless Chromium: `node run.mjs FLOW` imports
// flows/FLOW.mjs and calls its default export with a context (see `makeContext`). Prints `OK`
// as its last line on success; on failure prints the error, the page's URL and the path of a
// screenshot of that page, and exits 1. Driven by tests/tests/suite/browser.rs; scripts/test
// installs Chromium and the npm packages (scripts/browser-deps).
//
// Environment: INTERSPACE_CHROMIUM (default /usr/bin/chromium); INTERSPACE_SCREENSHOTS, a
// directory to save the flow's screenshots in (none when unset); INTERSPACE_FLOW_TIMEOUT_MS
// (default 120000); anything else the flow reads (BASE, ...).
//
// The browser reaches loopback addresses only: any other request is aborted and reported.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');

const FLOW_TIMEOUT_MS = Number(process.env.INTERSPACE_FLOW_TIMEOUT_MS || 120_000);
// Per step (a navigation, a wait for an element or a text).
const STEP_TIMEOUT_MS = 15_000;
const VIEWPORT = { width: 1280, height: 800 };
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

class FlowError extends Error {}

function isLoopback(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function checkName(kind, name) {
  if (!/^[A-Za-z0-9_-]+$/.test(name || '')) {
    throw new FlowError(`${kind} name must be letters, digits, '-' or '_': ${JSON.stringify(name)}`);
  }
}

function oneLine(s, max) {
  const t = String(s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function formatViolations(label, scheme, violations) {
  const lines = [`[${scheme}] ${label}: ${violations.length} accessibility violation(s)`];
  for (const v of violations) {
    lines.push(`  - ${v.id} (${v.impact ?? 'unknown impact'}): ${v.help}`);
    lines.push(`    ${v.helpUrl}`);
    for (const n of v.nodes.slice(0, 3)) {
      lines.push(`    at ${n.target.join(' ')}`);
      lines.push(`       ${oneLine(n.html, 200)}`);
      if (n.summary) lines.push(`       ${oneLine(n.summary, 300)}`);
    }
    if (v.nodes.length > 3) lines.push(`    … and ${v.nodes.length - 3} more element(s)`);
  }
  return lines.join('\n');
}

// Waits until the page is still: fonts loaded and no CSS transition or animation running (so
// that colours are the final ones when axe reads them, e.g. right after a colour-scheme switch).
async function settle(page) {
  await page.evaluate(() => document.fonts.ready.then(() => true));
  await page.waitForFunction(
    () =>
      document
        .getAnimations()
        .every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
    null,
    { timeout: STEP_TIMEOUT_MS },
  );
}

async function runAxe(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map(String),
        html: n.html,
        summary: n.failureSummary,
      })),
    }));
  }, WCAG_TAGS);
}

function makeContext(browser, context, state) {
  const ctx = {
    browser,
    context,
    env: process.env,

    // A new tab in the flow's browser context (viewport 1280x800, CSP bypassed for axe).
    async newPage() {
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
      page.on('console', (m) => {
        if (m.type() === 'error') state.note(`console error on ${page.url()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => state.note(`page error on ${page.url()}: ${e.message}`));
      state.pages.push(page);
      return page;
    },

    // Goes to a URL (following redirects) and checks the final answer is not an error (< 400).
    async goto(page, url) {
      const res = await page.goto(url, { waitUntil: 'load' });
      if (!res) throw new FlowError(`no response for ${url}`);
      if (res.status() >= 400) throw new FlowError(`GET ${url} answered ${res.status()}`);
      return res;
    },

    // Runs axe-core's WCAG 2.0/2.1 A and AA rules on the page, once per colour scheme
    // (`prefers-color-scheme`, emulated), and throws listing every violation. Leaves the page in
    // the last scheme checked.
    async a11y(page, label, { schemes = ['light', 'dark'] } = {}) {
      const reports = [];
      for (const scheme of schemes) {
        await page.emulateMedia({ colorScheme: scheme });
        await settle(page);
        const violations = await runAxe(page);
        state.note(`a11y ${label} [${scheme}]: ${violations.length} violation(s)`);
        if (violations.length) reports.push(formatViolations(label, scheme, violations));
      }
      if (reports.length) {
        throw new FlowError(`accessibility check failed on ${page.url()}\n${reports.join('\n')}`);
      }
    },

    // Saves <INTERSPACE_SCREENSHOTS>/<name>.png (the full page) when that variable is set.
    async screenshot(page, name) {
      checkName('screenshot', name);
      const dir = process.env.INTERSPACE_SCREENSHOTS;
      if (!dir) return null;
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(path.resolve(dir), `${name}.png`);
      await settle(page);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${file}`);
      return file;
    },

    // Waits until `text` is visible somewhere on the page.
    async expectText(page, text, { timeout = STEP_TIMEOUT_MS } = {}) {
      try {
        await page.getByText(text).first().waitFor({ state: 'visible', timeout });
      } catch (e) {
        const body = await page
          .locator('body')
          .innerText({ timeout: 1_000 })
          .catch(() => '(no body)');
        throw new FlowError(
          `expected text ${JSON.stringify(text)} to be visible on ${page.url()} within ${timeout} ms; ` +
            `the page shows: ${oneLine(body, 500)}`,
          { cause: e },
        );
      }
    },

    // Waits until an element matching `selector` is visible; returns its locator.
    async expectVisible(page, selector, { timeout = STEP_TIMEOUT_MS } = {}) {
      const loc = page.locator(selector).first();
      try {
        await loc.waitFor({ state: 'visible', timeout });
      } catch (e) {
        throw new FlowError(`expected ${selector} to be visible on ${page.url()} within ${timeout} ms`, { cause: e });
      }
      return loc;
    },

    // Waits until the page's URL matches `re` (a RegExp).
    async expectUrl(page, re, { timeout = STEP_TIMEOUT_MS } = {}) {
      try {
        await page.waitForURL(re, { timeout });
      } catch (e) {
        throw new FlowError(`expected the URL to match ${re} within ${timeout} ms, it is ${page.url()}`, { cause: e });
      }
    },

    // Throws unless `cond` holds.
    check(cond, message) {
      if (!cond) throw new FlowError(`check failed: ${message}`);
    },
  };
  return ctx;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new FlowError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const flow = process.argv[2];
  checkName('flow', flow);
  const flowFile = path.join(here, 'flows', `${flow}.mjs`);
  if (!fs.existsSync(flowFile)) throw new FlowError(`no such flow: ${flowFile}`);
  const { default: run } = await import(pathToFileURL(flowFile).href);
  if (typeof run !== 'function') throw new FlowError(`${flowFile} has no default export function`);

  // Progress goes to stdout as it happens (the Rust side prints it when a flow fails).
  const state = { pages: [], note: (line) => console.log(line) };
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath: process.env.INTERSPACE_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
    timeout: 30_000,
  });
  let failed = null;
  try {
    const context = await browser.newContext({ bypassCSP: true, viewport: VIEWPORT, colorScheme: 'light' });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLoopback(url)) return route.continue();
      state.note(`blocked a request off loopback: ${url}`);
      return route.abort('blockedbyclient');
    });
    await withTimeout(run(makeContext(browser, context, state)), FLOW_TIMEOUT_MS, `flow ${flow}`);
  } catch (e) {
    failed = e;
  }

  if (failed) {
    const page = state.pages.filter((p) => !p.isClosed()).at(-1);
    console.error(`FAILED: flow ${flow} after ${Date.now() - started} ms`);
    console.error(failed instanceof FlowError ? failed.message : failed.stack || String(failed));
    if (failed.cause) console.error(`cause: ${oneLine(failed.cause.message, 2000)}`);
    if (page) {
      console.error(`page: ${page.url()}`);
      try {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interspace-browser-'));
        const file = path.join(dir, `${flow}-failure.png`);
        await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
        console.error(`screenshot of the failing page: ${file}`);
      } catch (e) {
        console.error(`no screenshot of the failing page: ${oneLine(e.message, 300)}`);
      }
    } else {
      console.error('page: (no page open)');
    }
  } else {
    console.log(`flow ${flow} passed in ${Date.now() - started} ms`);
  }
  await withTimeout(browser.close(), 15_000, 'closing the browser').catch((e) => console.error(e.message));
  if (failed) process.exit(1);
  console.log('OK');
  process.exit(0);
}

main().catch((e) => {
  console.error(`FAILED: ${e instanceof FlowError ? e.message : e.stack || e}`);
  process.exit(1);
});
