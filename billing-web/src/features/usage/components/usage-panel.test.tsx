import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { saveApiKey } from '@/lib/api-key';
import { metricUsage, usageResponse } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { usagePollMs } from '../api/get-usage';
import { UsagePanel } from './usage-panel';

describe('UsagePanel', () => {
  it('shows the period, the running and projected cost, and a meter per metric', async () => {
    server.use(
      http.get('/api/v1/usage', () =>
        HttpResponse.json(
          usageResponse({
            costCents: 10300,
            projectedCostCents: 12500,
            metrics: [metricUsage(), metricUsage({ metric: 'user_seats', used: 4, included: 25, remaining: 21, cap: 'hard' })],
          }),
        ),
      ),
    );

    renderWithQuery(<UsagePanel />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading usage…');
    expect(await screen.findByText('Period Nov 1, 2026 – Dec 1, 2026')).toBeInTheDocument();
    expect(screen.getByText('Cost so far').nextSibling).toHaveTextContent('$103.00');
    expect(screen.getByText('Projected for the period').nextSibling).toHaveTextContent('$125.00');
    expect(screen.getAllByRole('progressbar')).toHaveLength(2);
    expect(screen.getByRole('progressbar', { name: 'User seats' })).toHaveAttribute('aria-valuenow', '4');
  });

  it('sends the stored API key and refreshes every two seconds', async () => {
    saveApiKey('bk_live_abc');
    const used = [1000, 2000];
    const authorizations: (string | null)[] = [];
    server.use(
      http.get('/api/v1/usage', ({ request }) => {
        authorizations.push(request.headers.get('Authorization'));
        const value = used[Math.min(authorizations.length - 1, used.length - 1)] ?? 0;
        return HttpResponse.json(usageResponse({ metrics: [metricUsage({ used: value })] }));
      }),
    );

    renderWithQuery(<UsagePanel />);

    expect(await screen.findByRole('progressbar')).toHaveAttribute('aria-valuenow', '1000');
    await waitFor(() => expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '2000'), {
      timeout: usagePollMs + 1500,
    });
    expect(authorizations.slice(0, 2)).toEqual(['Bearer bk_live_abc', 'Bearer bk_live_abc']);
  });

  it('explains a rejected key in plain words', async () => {
    server.use(http.get('/api/v1/usage', () => problem({ status: 401, title: 'Unauthorized' })));

    renderWithQuery(<UsagePanel />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load your usage. Your API key is missing or no longer valid. Sign in again.',
    );
  });
});
