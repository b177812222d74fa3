import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ChangeTiming, PlanId, Subscription } from '@/types/api';
import { subscriptionQueryOptions } from './get-subscription';

export type ChangePlanInput = { plan: PlanId; timing: ChangeTiming };

export function changePlan(input: ChangePlanInput): Promise<Subscription> {
  return api.post<Subscription>('/api/v1/subscription/change-plan', input);
}

export function useChangePlan() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: changePlan,
    onSuccess: async (subscription) => {
      queryClient.setQueryData(subscriptionQueryOptions().queryKey, subscription);
      // A new plan changes quotas, prices and the upcoming invoice: everything shown may be out of date.
      await queryClient.invalidateQueries();
    },
  });
}
