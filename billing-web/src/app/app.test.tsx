import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { saveApiKey } from '@/lib/api-key';
import { plansResponse, usageResponse } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { App } from './app';

function servePlans() {
  server.use(http.get('/api/v1/plans', () => HttpResponse.json(plansResponse)));
}

function serveUsage() {
  server.use(
    http.get('/api/v1/usage', ({ request }) =>
      request.headers.get('Authorization') === 'Bearer bk_live_abc'
        ? HttpResponse.json(usageResponse({ plan: 'standard' }))
        : problem({ status: 401, title: 'Unauthorized' }),
    ),
  );
}

describe('App shell', () => {
  it('shows the Billing header and the three plans with their monthly price before sign-in', async () => {
    servePlans();

    renderWithQuery(<App />);

    expect(screen.getByRole('heading', { level: 1, name: 'Billing' })).toBeInTheDocument();
    const plans = within(screen.getByRole('region', { name: 'Plans' }));
    expect(plans.getByRole('status')).toHaveTextContent('Loading plans…');
    expect(await plans.findByRole('heading', { name: 'Free' })).toBeInTheDocument();
    expect(plans.getByText('$0.00')).toBeInTheDocument();
    expect(plans.getByRole('heading', { name: 'Standard' })).toBeInTheDocument();
    expect(plans.getByText('$99.00')).toBeInTheDocument();
    expect(plans.getByRole('heading', { name: 'Enterprise' })).toBeInTheDocument();
    expect(plans.getByText('$999.00')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Usage' })).not.toBeInTheDocument();
  });

  it('explains in plain words when the plans cannot be loaded', async () => {
    server.use(http.get('/api/v1/plans', () => problem({ status: 503, title: 'Service Unavailable' })));

    renderWithQuery(<App />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load the plans. The billing service had a problem. Try again in a moment.',
    );
  });

  it('after sign-in shows the usage and marks the tenant plan as current', async () => {
    servePlans();
    serveUsage();
    const { user } = renderWithQuery(<App />);

    await user.type(screen.getByLabelText('Tenant API key'), 'bk_live_abc{Enter}');

    const usage = within(screen.getByRole('region', { name: 'Usage' }));
    expect(await usage.findByRole('progressbar', { name: 'LLM tokens' })).toHaveAttribute('aria-valuenow', '2500000');
    expect(sessionStorage.getItem('billing.apiKey')).toBe('bk_live_abc');
    expect(screen.queryByRole('region', { name: 'Sign in' })).not.toBeInTheDocument();
    expect(await screen.findByRole('listitem', { name: 'Standard' })).toHaveAttribute('data-current', 'true');
  });

  it('signs out: forgets the key and the tenant usage', async () => {
    saveApiKey('bk_live_abc');
    servePlans();
    serveUsage();
    const { user } = renderWithQuery(<App />);
    await screen.findByRole('progressbar', { name: 'LLM tokens' });

    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    expect(sessionStorage.getItem('billing.apiKey')).toBeNull();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByRole('listitem', { name: 'Standard' })).not.toHaveAttribute('data-current');
  });
});
