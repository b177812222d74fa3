import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { UsageHistory } from '@/types/api';

/** The history has one point per hour, so polling it as often as the meters would only repeat itself. */
export const usageHistoryPollMs = 60_000;

/** Null when this API does not serve the history. */
export function getUsageHistory(signal?: AbortSignal): Promise<UsageHistory | null> {
  return api.getOptional<UsageHistory>('/api/v1/usage/history', signal);
}

export const usageHistoryQueryOptions = () =>
  queryOptions({
    queryKey: ['usage', 'history'],
    queryFn: ({ signal }) => getUsageHistory(signal),
    refetchInterval: usageHistoryPollMs,
  });

export function useUsageHistory() {
  return useQuery(usageHistoryQueryOptions());
}
