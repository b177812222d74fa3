import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { usageAlert } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import type { UsageAlert } from '@/types/api';
import { AlertsBanner } from './alerts-banner';

function serveAlerts(items: UsageAlert[]) {
  server.use(http.get('/api/v1/alerts', () => HttpResponse.json({ items })));
}

function renderBanner() {
  return renderWithQuery(<AlertsBanner periodStart="2026-11-01T00:00:00Z" currency="usd" />);
}

describe('AlertsBanner', () => {
  it("lists the current period's alerts, the highest threshold per metric first", async () => {
    serveAlerts([
      usageAlert({ id: 'a50', thresholdPercent: 50, value: 5_000_000 }),
      usageAlert({ id: 'a80', thresholdPercent: 80, value: 8_000_000 }),
      usageAlert({ id: 'calls', metric: 'api_calls', thresholdPercent: 100, value: 10_000, limit: 10_000 }),
      usageAlert({ id: 'spend', kind: 'spend', metric: null, thresholdPercent: 50, value: 25_000, limit: 50_000 }),
      usageAlert({ id: 'old', metric: 'user_seats', thresholdPercent: 100, periodStart: '2026-10-01T00:00:00Z' }),
    ]);

    renderBanner();

    const items = await screen.findAllByRole('listitem');
    expect(screen.getByRole('region', { name: 'Usage alerts' })).toBeInTheDocument();
    expect(items.map((item) => item.textContent)).toEqual([
      'API calls reached 100% of the included quantity: 10,000 calls of 10,000 calls.',
      'LLM tokens reached 80% of the included quantity: 8,000,000 tokens of 10,000,000 tokens.',
      'Spending reached 50% of your limit: $250.00 of $500.00.',
    ]);
  });

  it('shows nothing when only earlier periods had alerts', async () => {
    let asked = false;
    server.use(
      http.get('/api/v1/alerts', () => {
        asked = true;
        return HttpResponse.json({ items: [usageAlert({ periodStart: '2026-10-01T00:00:00Z' })] });
      }),
    );

    renderBanner();

    await waitFor(() => expect(asked).toBe(true));
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
  });

  it('shows nothing when the API does not serve alerts', async () => {
    let asked = false;
    server.use(
      http.get('/api/v1/alerts', () => {
        asked = true;
        return problem({ status: 404, title: 'Not Found' });
      }),
    );

    renderBanner();

    await waitFor(() => expect(asked).toBe(true));
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
