import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { PlansResponse } from '@/types/api';

export function getPlans(signal?: AbortSignal): Promise<PlansResponse> {
  return api.get<PlansResponse>('/api/v1/plans', signal);
}

// The catalog is configuration: it changes with a deployment, not during a visit.
export const plansQueryOptions = () =>
  queryOptions({
    queryKey: ['plans'],
    queryFn: ({ signal }) => getPlans(signal),
    staleTime: Infinity,
  });

export function usePlans() {
  return useQuery(plansQueryOptions());
}
