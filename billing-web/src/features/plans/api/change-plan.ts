import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { PlanId } from './types';

export function changePlan(plan: PlanId): Promise<unknown> {
  return api.post('/api/v1/subscription/change-plan', { plan });
}

export function useChangePlan() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: changePlan,
    // A new plan changes quotas, usage cost and invoices alike, which other features own: refresh them all.
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
