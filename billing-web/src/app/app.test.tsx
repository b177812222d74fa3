import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { saveApiKey } from '@/lib/api-key';
import { plansResponse } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { serveTenantApi, tenantKey } from '@/testing/tenant-api';
import { App } from './app';

describe('App shell', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('shows the Billing header and the three plans with their monthly price before sign-in', async () => {
    server.use(http.get('/api/v1/plans', () => HttpResponse.json(plansResponse)));

    renderWithQuery(<App />);

    expect(screen.getByRole('heading', { level: 1, name: 'Billing' })).toBeInTheDocument();
    const plans = within(screen.getByRole('region', { name: 'Plans' }));
    expect(plans.getByRole('status')).toHaveTextContent('Loading plans…');
    expect(await plans.findByRole('heading', { name: 'Free' })).toBeInTheDocument();
    expect(plans.getByText('$0.00')).toBeInTheDocument();
    expect(plans.getByText('$99.00')).toBeInTheDocument();
    expect(plans.getByText('$999.00')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('tablist')).not.toBeInTheDocument();
  });

  it('explains in plain words when the plans cannot be loaded', async () => {
    server.use(http.get('/api/v1/plans', () => problem({ status: 503, title: 'Service Unavailable' })));

    renderWithQuery(<App />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load the plans. The billing service had a problem. Try again in a moment.',
    );
  });

  it('signs in with a typed key and opens the dashboard on the usage tab', async () => {
    serveTenantApi();
    const { user } = renderWithQuery(<App />);

    await user.type(screen.getByLabelText('Tenant API key'), `${tenantKey}{Enter}`);

    const usage = within(screen.getByRole('tabpanel', { name: 'Usage' }));
    expect(await usage.findByRole('progressbar', { name: 'LLM tokens' })).toHaveAttribute('aria-valuenow', '2500000');
    expect(sessionStorage.getItem('billing.apiKey')).toBe(tenantKey);
    expect(screen.queryByRole('region', { name: 'Sign in' })).not.toBeInTheDocument();
  });

  it('offers no one-click demo sign-in without a configured demo key', async () => {
    vi.stubEnv('VITE_DEMO_API_KEY', '');
    server.use(http.get('/api/v1/plans', () => HttpResponse.json(plansResponse)));
    renderWithQuery(<App />);
    expect(screen.queryByRole('button', { name: 'Sign in as the demo tenant' })).not.toBeInTheDocument();
  });

  it('signs in as the demo tenant with one click', async () => {
    vi.stubEnv('VITE_DEMO_API_KEY', tenantKey);
    serveTenantApi();
    const { user } = renderWithQuery(<App />);

    await user.click(screen.getByRole('button', { name: 'Sign in as the demo tenant' }));

    expect(await screen.findByRole('progressbar', { name: 'LLM tokens' })).toBeInTheDocument();
    expect(sessionStorage.getItem('billing.apiKey')).toBe(tenantKey);
  });

  it('signs out: forgets the key and everything about the tenant', async () => {
    saveApiKey(tenantKey);
    serveTenantApi();
    const { user, queryClient } = renderWithQuery(<App />);
    await screen.findByRole('progressbar', { name: 'LLM tokens' });

    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    expect(sessionStorage.getItem('billing.apiKey')).toBeNull();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Sign in' })).toBeInTheDocument();
    expect(queryClient.getQueryCache().getAll().map((query) => query.queryKey[0])).toEqual(['plans']);
    expect(await screen.findByRole('listitem', { name: 'Standard' })).not.toHaveAttribute('data-current');
  });
});
