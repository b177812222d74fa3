import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { InvoiceDetail } from '@/types/api';

export function getInvoice(id: string, signal?: AbortSignal): Promise<InvoiceDetail> {
  return api.get<InvoiceDetail>(`/api/v1/invoices/${encodeURIComponent(id)}`, signal);
}

// A finalized invoice does not change, so its lines are fetched once per visit.
export const invoiceQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['invoices', 'detail', id],
    queryFn: ({ signal }) => getInvoice(id, signal),
    staleTime: Infinity,
  });

export function useInvoice(id: string) {
  return useQuery(invoiceQueryOptions(id));
}
