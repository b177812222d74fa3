import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { saveApiKey } from '@/lib/api-key';
import { metricUsage, usageResponse } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import type { UsageHistory } from '@/types/api';
import { usagePollMs } from '../api/get-usage';
import { UsagePanel } from './usage-panel';

const twoMetrics = usageResponse({
  metrics: [metricUsage(), metricUsage({ metric: 'user_seats', unit: 'seat', used: 4, included: 25, remaining: 21, cap: 'hard' })],
});

function serveHistory(response: () => Response) {
  server.use(http.get('/api/v1/usage/history', response));
}

const history: UsageHistory = {
  periodStart: '2026-11-01T00:00:00Z',
  periodEnd: '2026-12-01T00:00:00Z',
  points: [
    { metric: 'llm_tokens', at: '2026-11-02T10:00:00Z', cumulative: 1_000_000 },
    { metric: 'llm_tokens', at: '2026-11-02T11:00:00Z', cumulative: 2_500_000 },
  ],
};

describe('UsagePanel', () => {
  it('shows the period and a meter per metric', async () => {
    server.use(http.get('/api/v1/usage', () => HttpResponse.json(twoMetrics)));
    serveHistory(() => HttpResponse.json(history));

    renderWithQuery(<UsagePanel />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading usage…');
    expect(await screen.findByText('Period Nov 1, 2026 – Dec 1, 2026')).toBeInTheDocument();
    expect(screen.getAllByRole('progressbar')).toHaveLength(2);
    expect(screen.getByRole('progressbar', { name: 'User seats' })).toHaveAttribute('aria-valuenow', '4');
  });

  it('charts each metric that has history, and only those', async () => {
    server.use(http.get('/api/v1/usage', () => HttpResponse.json(twoMetrics)));
    serveHistory(() => HttpResponse.json(history));

    renderWithQuery(<UsagePanel />);

    expect(await screen.findByRole('figure', { name: 'LLM tokens over the period' })).toHaveTextContent('2 hourly points');
    expect(screen.getAllByRole('figure')).toHaveLength(1);
  });

  it('hides the charts when the API has no usage history', async () => {
    let historyAsked = false;
    server.use(http.get('/api/v1/usage', () => HttpResponse.json(twoMetrics)));
    serveHistory(() => {
      historyAsked = true;
      return problem({ status: 404, title: 'Not Found' });
    });

    renderWithQuery(<UsagePanel />);

    await screen.findAllByRole('progressbar');
    await waitFor(() => expect(historyAsked).toBe(true));
    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
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
    serveHistory(() => problem({ status: 404, title: 'Not Found' }));

    renderWithQuery(<UsagePanel />);

    expect(await screen.findByRole('progressbar')).toHaveAttribute('aria-valuenow', '1000');
    await waitFor(() => expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '2000'), {
      timeout: usagePollMs + 1500,
    });
    expect(authorizations.slice(0, 2)).toEqual(['Bearer bk_live_abc', 'Bearer bk_live_abc']);
  });

  it('explains a rejected key in plain words', async () => {
    server.use(http.get('/api/v1/usage', () => problem({ status: 401, title: 'Unauthorized' })));
    serveHistory(() => problem({ status: 401, title: 'Unauthorized' }));

    renderWithQuery(<UsagePanel />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load your usage. Your API key is missing or no longer valid. Sign in again.',
    );
  });
});
