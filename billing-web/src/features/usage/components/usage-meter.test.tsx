import { render, screen } from '@testing-library/react';
import { metricUsage } from '@/testing/fixtures';
import type { MetricUsage, UsagePoint } from '@/types/api';
import { UsageMeter } from './usage-meter';

function renderMeter(overrides: Partial<MetricUsage>, history?: UsagePoint[]) {
  render(
    <UsageMeter
      usage={metricUsage(overrides)}
      currency="usd"
      periodStart="2026-11-01T00:00:00Z"
      periodEnd="2026-12-01T00:00:00Z"
      history={history}
    />,
  );
  return screen.getByRole('article', { name: 'LLM tokens' });
}

describe('UsageMeter', () => {
  it('shows used, included and remaining with a progress bar', () => {
    const meter = renderMeter({ used: 2500000, included: 10000000, remaining: 7500000 });

    const bar = screen.getByRole('progressbar', { name: 'LLM tokens' });
    expect(bar).toHaveAttribute('aria-valuenow', '2500000');
    expect(bar).toHaveAttribute('aria-valuemax', '10000000');
    expect(bar).toHaveAttribute('aria-valuetext', '2,500,000 tokens of 10,000,000 tokens (25%)');
    expect(meter).toHaveTextContent('Used2,500,000 tokens');
    expect(meter).toHaveTextContent('Included10,000,000 tokens');
    expect(meter).toHaveTextContent('Remaining7,500,000 tokens');
    expect(meter).toHaveTextContent('Soft cap');
  });

  it.each([
    [0, 'green'],
    [7999999, 'green'],
    [8000000, 'yellow'],
    [10000000, 'yellow'],
    [10000001, 'red'],
  ])('colours %i of 10,000,000 used %s', (used, level) => {
    const meter = renderMeter({ used, included: 10000000, remaining: Math.max(10000000 - used, 0) });

    expect(meter).toHaveAttribute('data-level', level);
  });

  it('shows the overage of a soft cap and what it costs', () => {
    const meter = renderMeter({ used: 12000000, remaining: 0, overage: 2000000, costCents: 400, status: 'warning' });

    expect(meter).toHaveTextContent('Overage: 2,000,000 tokens, costing $4.00');
    expect(meter).toHaveAttribute('data-level', 'red');
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuetext', '12,000,000 tokens of 10,000,000 tokens (120%)');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says when a hard-capped metric is blocked and when it resets', () => {
    const meter = renderMeter({ cap: 'hard', used: 100000, included: 100000, remaining: 0, status: 'blocked' });

    expect(screen.getByRole('alert')).toHaveTextContent(
      'Blocked: you reached the hard cap for LLM tokens. Usage resets on Dec 1, 2026, 12:00 AM UTC.',
    );
    expect(meter).toHaveTextContent('Hard cap');
    expect(meter).not.toHaveTextContent('Overage');
  });

  it('does not claim a block while a hard cap still allows usage', () => {
    renderMeter({ cap: 'hard', used: 95000, included: 100000, remaining: 5000, status: 'warning' });

    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('names where a hard cap with grace stops usage', () => {
    const meter = renderMeter({ cap: 'hard', limit: 120_000, used: 1_000, included: 100_000, remaining: 99_000 });

    expect(meter).toHaveTextContent('Hard cap at 120,000 tokens');
  });

  it('charts the usage over the period and describes the latest point for screen readers', async () => {
    renderMeter({}, [
      { metric: 'llm_tokens', at: '2026-11-02T10:00:00Z', cumulative: 1_000_000 },
      { metric: 'llm_tokens', at: '2026-11-03T10:00:00Z', cumulative: 2_500_000 },
    ]);

    expect(await screen.findByRole('figure', { name: 'LLM tokens over the period' })).toHaveTextContent(
      'LLM tokens over the period: 2 hourly points, 2,500,000 tokens at Nov 3, 2026, 10:00 AM UTC.',
    );
  });

  it('leaves the chart out without history', () => {
    renderMeter({}, []);

    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
  });
});
