import { formatPerUnits, formatQuantity, metricLabel } from './metrics';

describe('metrics', () => {
  it.each([
    ['llm_tokens', 'LLM tokens'],
    ['storage_mb', 'Storage'],
    ['gpu_hours', 'gpu_hours'],
  ])('labels %s as %s', (metric, expected) => {
    expect(metricLabel(metric)).toBe(expected);
  });

  it.each([
    [1, 'user_seats', '1 seat'],
    [25, 'user_seats', '25 seats'],
    [102400, 'storage_mb', '102,400 MB'],
    [3, 'gpu_hours', '3 units'],
  ])('shows %i of %s as %s', (value, metric, expected) => {
    expect(formatQuantity(value, metric)).toBe(expected);
  });

  it.each([
    [1, 'agent_executions', 'execution'],
    [10000, 'api_calls', '10,000 calls'],
    [1024, 'storage_mb', 'GB'],
    [512, 'storage_mb', '512 MB'],
  ])('names a price unit of %i %s as %s', (perUnits, metric, expected) => {
    expect(formatPerUnits(perUnits, metric)).toBe(expected);
  });
});
