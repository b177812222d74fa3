import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { UsageResponse } from '@/types/api';

/** How often the meters refresh: usage arrives continuously, and a tenant watching a cap wants to see it move. */
export const usagePollMs = 2_000;

export function getUsage(signal?: AbortSignal): Promise<UsageResponse> {
  return api.get<UsageResponse>('/api/v1/usage', signal);
}

export const usageQueryOptions = () =>
  queryOptions({
    queryKey: ['usage'],
    queryFn: ({ signal }) => getUsage(signal),
    refetchInterval: usagePollMs,
  });

/** The current period's usage, polled; `enabled: false` before sign-in since the endpoint needs a tenant key. */
export function useUsage({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...usageQueryOptions(), enabled });
}
