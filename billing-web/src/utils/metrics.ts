import { formatNumber } from './format';

type MetricInfo = {
  label: string;
  singular: string;
  plural: string;
  /** A larger unit that prices are quoted in, e.g. storage priced per GB of 1,024 MB. */
  larger?: { size: number; name: string };
};

// The five metrics of the catalog, named for people; their keys are the API's.
const metrics: Record<string, MetricInfo> = {
  llm_tokens: { label: 'LLM tokens', singular: 'token', plural: 'tokens' },
  api_calls: { label: 'API calls', singular: 'call', plural: 'calls' },
  agent_executions: { label: 'Agent executions', singular: 'execution', plural: 'executions' },
  storage_mb: { label: 'Storage', singular: 'MB', plural: 'MB', larger: { size: 1024, name: 'GB' } },
  user_seats: { label: 'User seats', singular: 'seat', plural: 'seats' },
};

function info(metric: string): MetricInfo {
  return metrics[metric] ?? { label: metric, singular: 'unit', plural: 'units' };
}

export function metricLabel(metric: string): string {
  return info(metric).label;
}

/** A quantity with the metric's unit: (1, 'llm_tokens') → "1 token", (2500, 'llm_tokens') → "2,500 tokens". */
export function formatQuantity(value: number, metric: string): string {
  const { singular, plural } = info(metric);
  return `${formatNumber(value)} ${value === 1 ? singular : plural}`;
}

/** The unit alone, for "per …" phrases: (1, 'agent_executions') → "execution", (1024, 'storage_mb') → "GB", (1000000, 'llm_tokens') → "1,000,000 tokens". */
export function formatPerUnits(perUnits: number, metric: string): string {
  const { singular, larger } = info(metric);
  if (perUnits === 1) {
    return singular;
  }
  return larger?.size === perUnits ? larger.name : formatQuantity(perUnits, metric);
}
