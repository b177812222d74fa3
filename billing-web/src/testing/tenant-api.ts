import { http, HttpResponse } from 'msw';
import type { Subscription } from '@/types/api';
import { currentApiKey, invoice, invoicePreview, plansResponse, subscription, usageAlert, usageResponse } from './fixtures';
import { problem } from './problem';
import { server } from './server';

export const tenantKey = 'bk_live_abc';

/** Where the API's Checkout and portal sessions send the browser, in these tests. */
export const checkoutUrl = 'https://checkout.example/c/cs_test_1';
export const portalUrl = 'https://portal.example/session/secret';

/**
 * Every endpoint the dashboard reads, answering only the tenant key. The subscription is live state:
 * POST change-plan updates what later GETs return, as the real API does.
 */
export function serveTenantApi(initial: Partial<Subscription> = {}) {
  let current = subscription(initial);
  const authorized = (request: Request) => request.headers.get('Authorization') === `Bearer ${tenantKey}`;
  const unauthorized = () => problem({ status: 401, title: 'Unauthorized' });
  const changeRequests: unknown[] = [];
  const checkoutRequests: unknown[] = [];

  server.use(
    http.get('/api/v1/plans', () => HttpResponse.json(plansResponse)),
    http.get('/api/v1/api-keys/current', ({ request }) =>
      authorized(request) ? HttpResponse.json(currentApiKey(['ingest', 'read', 'manage'])) : unauthorized(),
    ),
    http.get('/api/v1/subscription', ({ request }) => (authorized(request) ? HttpResponse.json(current) : unauthorized())),
    http.post('/api/v1/subscription/change-plan', async ({ request }) => {
      if (!authorized(request)) {
        return unauthorized();
      }
      const body = (await request.json()) as { plan: Subscription['plan']; timing: string };
      changeRequests.push(body);
      current = body.timing === 'now' ? { ...current, plan: body.plan, pendingPlan: null } : { ...current, pendingPlan: body.plan };
      return HttpResponse.json(current);
    }),
    http.post('/api/v1/subscription/checkout', async ({ request }) => {
      if (!authorized(request)) {
        return unauthorized();
      }
      checkoutRequests.push(await request.json());
      return HttpResponse.json({ url: checkoutUrl, sessionId: 'cs_test_1', expiresAt: '2026-11-02T00:00:00Z' });
    }),
    http.post('/api/v1/billing/portal', ({ request }) => (authorized(request) ? HttpResponse.json({ url: portalUrl }) : unauthorized())),
    http.get('/api/v1/usage', ({ request }) =>
      authorized(request) ? HttpResponse.json(usageResponse({ plan: current.plan })) : unauthorized(),
    ),
    http.get('/api/v1/usage/history', () => problem({ status: 404, title: 'Not Found' })),
    http.get('/api/v1/alerts', ({ request }) =>
      authorized(request) ? HttpResponse.json({ items: [usageAlert()] }) : unauthorized(),
    ),
    http.get('/api/v1/invoices/preview', ({ request }) =>
      authorized(request) ? HttpResponse.json(invoicePreview()) : unauthorized(),
    ),
    http.get('/api/v1/invoices', ({ request }) =>
      authorized(request) ? HttpResponse.json({ items: [invoice()], page: 1, pageSize: 20, total: 1 }) : unauthorized(),
    ),
  );
  return { changeRequests, checkoutRequests };
}
