// End-to-end checks of the billing dashboard against the running system, in Debian's Chromium.
// The caller starts the system and passes WEB_URL, API_URL, OPERATOR_KEY, EMULATOR_URL and DEMO_API_KEY
// (and EMULATOR_KEY when the emulator requires its API key on the control surface).
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = Object.fromEntries(
  ['WEB_URL', 'API_URL', 'OPERATOR_KEY', 'EMULATOR_URL', 'DEMO_API_KEY'].map((name) => [name, process.env[name] ?? '']),
);
const screenshots = new URL('../screenshots/', import.meta.url).pathname;
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// The whole run must stay under four minutes, browser start and teardown included.
const runBudgetMs = 225_000;
const stepTimeoutMs = 15_000;
const liveUpdateMs = 10_000;
const invoiceWaitMs = 60_000;
const day = 24 * 60 * 60 * 1000;

let passed = 0;
let failed = 0;

function report(name, error) {
  if (error) {
    failed += 1;
    console.log(`not ok ${name}: ${String(error?.message ?? error).split('\n')[0]}`);
  } else {
    passed += 1;
    console.log(`ok ${name}`);
  }
}

function summary() {
  console.log(`e2e: ${passed} passed, ${failed} failed`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function callApi(base, path, { method = 'GET', key, body } = {}) {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      Accept: 'application/json',
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(stepTimeoutMs),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  }
  return text ? JSON.parse(text) : undefined;
}

async function poll(check, { timeoutMs, intervalMs = 500, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) {
      return result;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function shoot(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

async function signInWithKey(page, key) {
  await page.getByLabel('Tenant API key').fill(key);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('tablist', { name: 'Billing details' }).waitFor();
}

async function meterValue(page, name) {
  return Number(await page.getByRole('progressbar', { name, exact: true }).getAttribute('aria-valuenow'));
}

const scenarios = [
  {
    name: 'demo sign-in shows five usage meters, also at phone width',
    timeoutMs: 40_000,
    async run({ newPage, shared }) {
      const page = await newPage();
      await page.goto(env.WEB_URL);
      await page.getByRole('button', { name: 'Sign in as the demo tenant' }).click();
      const meters = page.getByRole('tabpanel', { name: 'Usage' }).getByRole('progressbar');
      await poll(async () => (await meters.count()) === 5, { timeoutMs: stepTimeoutMs, what: 'five meters did not appear' });
      await shoot(page, '1-demo-dashboard');
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await shoot(page, '1-demo-dashboard-phone');
      if (overflow > 0) {
        throw new Error(`the page is ${overflow}px wider than a 390px phone screen`);
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      shared.demoPage = page;
    },
  },
  {
    name: 'reported usage moves the api_calls meter without a reload',
    timeoutMs: 30_000,
    async run({ newPage, shared }) {
      let page = shared.demoPage;
      if (!page) {
        page = await newPage();
        await page.goto(env.WEB_URL);
        await signInWithKey(page, env.DEMO_API_KEY);
      }
      const meter = page.getByRole('progressbar', { name: 'API calls', exact: true });
      await meter.waitFor({ timeout: stepTimeoutMs });
      // A marker on window survives only as long as the document: if it is still there, nothing reloaded.
      await page.evaluate(() => {
        window.e2eMarker = 'still here';
      });
      const before = await meterValue(page, 'API calls');
      // Far more than the dashboard's own polling could add in ten seconds, should the API count those calls too.
      const calls = 1000;
      await callApi(env.API_URL, '/api/v1/usage/events', {
        method: 'POST',
        key: env.DEMO_API_KEY,
        body: {
          events: [{ id: randomUUID(), metric: 'api_calls', value: calls, timestamp: new Date().toISOString(), properties: { source: 'e2e' } }],
        },
      });
      await poll(async () => (await meterValue(page, 'API calls')) >= before + calls, {
        timeoutMs: liveUpdateMs,
        what: `the API calls meter stayed below ${before + calls}`,
      });
      if ((await page.evaluate(() => window.e2eMarker)) !== 'still here') {
        throw new Error('the page reloaded');
      }
      await shoot(page, '2-live-usage');
    },
  },
  {
    name: 'a new Free tenant signs in with its key and upgrades to Standard',
    timeoutMs: 45_000,
    async run({ newPage }) {
      const tenant = await callApi(env.API_URL, '/api/v1/tenants', {
        method: 'POST',
        key: env.OPERATOR_KEY,
        body: { name: `e2e ${new Date().toISOString()}`, plan: 'free' },
      });
      const { key } = await callApi(env.API_URL, `/api/v1/tenants/${tenant.id}/api-keys`, { method: 'POST', key: env.OPERATOR_KEY });
      const page = await newPage();
      await page.goto(env.WEB_URL);
      await signInWithKey(page, key);
      await page.getByRole('tab', { name: 'Plans' }).click();
      await poll(async () => (await page.getByRole('listitem', { name: 'Free' }).getAttribute('aria-current')) === 'true', {
        timeoutMs: stepTimeoutMs,
        what: 'Free was not shown as the current plan',
      });
      await page.getByRole('button', { name: 'Upgrade to Standard' }).click();
      const dialog = page.getByRole('dialog', { name: 'Upgrade to Standard?' });
      await dialog.getByRole('button', { name: 'Confirm upgrade' }).click();
      await poll(
        async () => {
          if (await dialog.getByRole('alert').isVisible()) {
            throw new Error(`the upgrade was refused: ${await dialog.getByRole('alert').textContent()}`);
          }
          return (await page.getByRole('listitem', { name: 'Standard' }).getAttribute('aria-current')) === 'true';
        },
        { timeoutMs: stepTimeoutMs, what: 'Standard did not become the current plan' },
      );
      await shoot(page, '3-upgraded-to-standard');
    },
  },
  {
    name: 'after the period ends an invoice appears and shows its lines',
    timeoutMs: invoiceWaitMs + 45_000,
    async run({ newPage }) {
      // Only an invoice that was not there before the clock moved proves the period end was billed.
      const earlier = await callApi(env.API_URL, '/api/v1/invoices?page=1&pageSize=20', { key: env.DEMO_API_KEY });
      const label = (invoice) => invoice.number ?? 'Draft invoice';
      const known = new Set(earlier.items.map(label));
      await callApi(env.EMULATOR_URL, '/_emulator/clock', {
        key: process.env.EMULATOR_KEY || undefined,
        method: 'POST',
        body: { advanceSeconds: (32 * day) / 1000 },
      });
      const page = await newPage();
      await page.goto(`${env.WEB_URL}#invoices`);
      await signInWithKey(page, env.DEMO_API_KEY);
      const panel = page.getByRole('tabpanel', { name: 'Invoices' });
      const toggles = panel.getByRole('button', { name: /line items$/ });
      // The list is newest first: once it is longer, or names an invoice not seen before, the top row is the new one.
      const newInvoice = async () => {
        await panel.getByText('Loading invoices…').waitFor({ state: 'detached', timeout: stepTimeoutMs });
        const labels = (await toggles.allTextContents()).map((text) => text.replace(/ line items$/, ''));
        return labels.length > earlier.items.length || labels.some((name) => !known.has(name)) ? labels[0] : undefined;
      };
      const number = await poll(
        async () => {
          const found = await newInvoice();
          if (found) {
            return found;
          }
          await page.reload();
          await panel.getByRole('heading', { name: 'Invoices' }).waitFor({ timeout: stepTimeoutMs });
          return newInvoice();
        },
        { timeoutMs: invoiceWaitMs, intervalMs: 3_000, what: 'no new invoice was listed' },
      );
      await toggles.first().click();
      const lines = panel.getByRole('table', { name: `Lines of ${number}` });
      await lines.waitFor({ timeout: stepTimeoutMs });
      const rows = await lines.getByRole('row').count();
      if (rows < 2) {
        throw new Error(`invoice ${number} shows no lines`);
      }
      await shoot(page, '4-invoice-lines');
    },
  },
];

async function main() {
  const missing = Object.entries(env)
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    for (const scenario of scenarios) {
      report(scenario.name, new Error(`missing environment: ${missing.join(', ')}`));
    }
    return;
  }
  await mkdir(screenshots, { recursive: true });
  const userDataDir = await mkdtemp(join(tmpdir(), 'billing-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(stepTimeoutMs);
  // Each scenario gets its own tab, hence its own sessionStorage and its own signed-in tenant.
  const newPage = () => context.newPage();
  const shared = {};
  try {
    for (const scenario of scenarios) {
      try {
        await withTimeout(scenario.run({ newPage, shared }), scenario.timeoutMs, scenario.name);
        report(scenario.name);
      } catch (error) {
        report(scenario.name, error);
      }
    }
  } finally {
    await context.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.log(`not ok run: stopped after ${runBudgetMs / 1000} s`);
  failed += 1;
  summary();
  process.exit(1);
}, runBudgetMs);

main()
  .catch((error) => report('run', error))
  .finally(() => {
    clearTimeout(watchdog);
    summary();
    process.exitCode = failed > 0 ? 1 : 0;
  });
