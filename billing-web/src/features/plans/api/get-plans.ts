import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { PlanCatalog } from './types';

export function getPlans(signal?: AbortSignal): Promise<PlanCatalog> {
  return api.get<PlanCatalog>('/api/v1/plans', signal);
}

export const plansQueryOptions = () =>
  queryOptions({
    queryKey: ['plans'],
    queryFn: ({ signal }) => getPlans(signal),
    // The catalog is configuration: it changes with a deployment, not during a visit.
    staleTime: 60 * 60 * 1000,
  });

export function usePlans() {
  return useQuery(plansQueryOptions());
}
