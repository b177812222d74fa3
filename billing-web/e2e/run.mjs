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

function report(name, error, elapsedMs) {
  const took = elapsedMs === undefined ? '' : ` (${(elapsedMs / 1000).toFixed(1)} s)`;
  if (error) {
    failed += 1;
    console.log(`not ok ${name}${took}: ${String(error?.message ?? error).split('\n')[0]}`);
  } else {
    passed += 1;
    console.log(`ok ${name}${took}`);
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

// The emulator's Stripe API takes form bodies in Stripe's bracket notation, like the real one.
async function callEmulator(path, form) {
  const response = await fetch(new URL(path, env.EMULATOR_URL), {
    method: form ? 'POST' : 'GET',
    headers: {
      Authorization: `Bearer ${process.env.EMULATOR_KEY || 'sk_test_e2e'}`,
      ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams(form) : undefined,
    signal: AbortSignal.timeout(stepTimeoutMs),
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`emulator ${path} answered ${response.status}: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return body;
}

/** Makes a Stripe test token the default card of the tenant's Stripe customer (found by its tenant_id metadata). */
async function cardOnFile(tenantId, token) {
  const customers = await callEmulator('/v1/customers?limit=100');
  const customer = customers.data.find((c) => c.metadata.tenant_id === tenantId);
  if (!customer) {
    throw new Error(`no Stripe customer for tenant ${tenantId}`);
  }
  const card = await callEmulator(`/v1/payment_methods/${token}/attach`, { customer: customer.id });
  await callEmulator(`/v1/customers/${customer.id}`, { 'invoice_settings[default_payment_method]': card.id });
}

async function newTenant(plan = 'free') {
  const tenant = await callApi(env.API_URL, '/api/v1/tenants', {
    method: 'POST',
    key: env.OPERATOR_KEY,
    body: { name: `e2e ${new Date().toISOString()}`, plan },
  });
  const { key } = await callApi(env.API_URL, `/api/v1/tenants/${tenant.id}/api-keys`, { method: 'POST', key: env.OPERATOR_KEY });
  return { id: tenant.id, key };
}

/** The card form of the emulator's hosted pages, filled and sent from the keyboard. */
async function payWithCard(page, number) {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry (MM / YY)').fill('12 / 34');
  await page.getByLabel('Security code (CVC)').fill('123');
  await page.getByLabel('Name on card').fill('E2E Tenant');
  await page.getByLabel('Name on card').press('Enter');
}

async function upgradeThroughCheckout(page, key, plan) {
  await page.goto(env.WEB_URL);
  await signInWithKey(page, key);
  // Once the subscription has loaded, the dashboard knows the upgrade goes through Checkout.
  await page.getByRole('region', { name: 'Payment method' }).getByText('No card on file.').waitFor();
  await page.getByRole('tab', { name: 'Plans' }).click();
  await page.getByRole('button', { name: `Upgrade to ${plan}` }).click();
  await page.getByRole('dialog', { name: `Upgrade to ${plan}?` }).getByRole('button', { name: 'Continue to payment' }).click();
  await page.waitForURL(`${env.EMULATOR_URL}/checkout/**`);
  await page.getByRole('heading', { name: 'Subscribe' }).waitFor();
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
    name: 'a new tenant upgrades with 4242… on the Checkout page and lands on Standard',
    timeoutMs: 45_000,
    async run({ newPage }) {
      const { key } = await newTenant();
      const page = await newPage();
      await upgradeThroughCheckout(page, key, 'Standard');
      await shoot(page, '3-checkout');
      await payWithCard(page, '4242 4242 4242 4242');
      await page.waitForURL(`${env.WEB_URL}/?checkout=complete**`);
      // The dashboard polls until Stripe's webhook has moved the plan.
      await page.getByText('You are now on Standard. Thank you!').waitFor({ timeout: stepTimeoutMs });
      await page.getByRole('tab', { name: 'Plans' }).click();
      await poll(async () => (await page.getByRole('listitem', { name: 'Standard' }).getAttribute('aria-current')) === 'true', {
        timeoutMs: stepTimeoutMs,
        what: 'Standard did not become the current plan',
      });
      await page.getByRole('region', { name: 'Payment method' }).getByText('Visa ending in 4242').waitFor();
      await shoot(page, '3-upgraded-to-standard');
    },
  },
  {
    name: 'a declined card (4000 0000 0000 0002) is shown on the Checkout page and the tenant stays on Free',
    timeoutMs: 30_000,
    async run({ newPage }) {
      const { key } = await newTenant();
      const page = await newPage();
      await upgradeThroughCheckout(page, key, 'Enterprise');
      await payWithCard(page, '4000 0000 0000 0002');
      await page.getByRole('alert').filter({ hasText: 'Your card was declined.' }).waitFor();
      await shoot(page, '3-checkout-declined');
      await page.getByRole('link', { name: 'Cancel and go back' }).click();
      await page.waitForURL(`${env.WEB_URL}/?checkout=cancelled**`);
      await page.getByText('Checkout was cancelled: nothing was charged and your plan is unchanged.').waitFor();
      await page.getByRole('tab', { name: 'Plans' }).click();
      await poll(async () => (await page.getByRole('listitem', { name: 'Free' }).getAttribute('aria-current')) === 'true', {
        timeoutMs: stepTimeoutMs,
        what: 'the tenant is no longer on Free',
      });
    },
  },
  {
    name: 'a Standard tenant whose card will be declined is set up for the renewal',
    timeoutMs: 20_000,
    async run({ shared }) {
      const tenant = await newTenant();
      // The portal creates the tenant's Stripe customer, which the cards below are attached to.
      await callApi(env.API_URL, '/api/v1/billing/portal', { method: 'POST', key: tenant.key });
      await cardOnFile(tenant.id, 'pm_card_visa');
      await callApi(env.API_URL, '/api/v1/subscription/change-plan', { method: 'POST', key: tenant.key, body: { plan: 'standard' } });
      await cardOnFile(tenant.id, 'pm_card_chargeCustomerFail');
      shared.pastDueTenant = tenant;
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
  {
    name: 'a past-due tenant replaces its card in the portal and the banner clears',
    timeoutMs: invoiceWaitMs + 30_000,
    async run({ newPage, shared }) {
      if (!shared.pastDueTenant) {
        throw new Error('the past-due tenant was not set up');
      }
      const page = await newPage();
      await page.goto(env.WEB_URL);
      await signInWithKey(page, shared.pastDueTenant.key);
      // The renewal fails when the clock moved a period on (the scenario before); its webhooks take a moment.
      const banner = page.getByRole('region', { name: 'Payment overdue' });
      await poll(
        async () => {
          if (await banner.isVisible()) {
            return true;
          }
          await page.reload();
          await page.getByRole('tablist', { name: 'Billing details' }).waitFor();
          return banner.isVisible();
        },
        { timeoutMs: invoiceWaitMs, intervalMs: 2_000, what: 'no past-due banner appeared' },
      );
      await banner.getByText('$99.00 is overdue.').waitFor();
      await shoot(page, '5-past-due');
      await banner.getByRole('button', { name: 'Update payment method' }).click();
      await page.waitForURL(`${env.EMULATOR_URL}/billing_portal/**`);
      await page.getByText('Update payment method').click();
      await payWithCard(page, '4242 4242 4242 4242');
      await page.getByText('Your payment method was updated.').waitFor();
      await shoot(page, '5-portal');
      await page.getByRole('link', { name: /^Return to / }).click();
      await page.waitForURL(`${env.WEB_URL}/**`);
      await poll(
        async () => {
          await page.getByRole('tablist', { name: 'Billing details' }).waitFor();
          if (!(await banner.isVisible()) && (await page.getByText('Visa ending in 4242').isVisible())) {
            return true;
          }
          await page.reload();
          return false;
        },
        { timeoutMs: stepTimeoutMs * 2, intervalMs: 1_000, what: 'the past-due banner stayed' },
      );
      await shoot(page, '5-paid-up');
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
      const started = Date.now();
      try {
        await withTimeout(scenario.run({ newPage, shared }), scenario.timeoutMs, scenario.name);
        report(scenario.name, undefined, Date.now() - started);
      } catch (error) {
        report(scenario.name, error, Date.now() - started);
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
