import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { InvoicePreview } from '@/types/api';

export function getInvoicePreview(signal?: AbortSignal): Promise<InvoicePreview> {
  return api.get<InvoicePreview>('/api/v1/invoices/preview', signal);
}

export const invoicePreviewQueryOptions = () =>
  queryOptions({
    queryKey: ['invoices', 'preview'],
    queryFn: ({ signal }) => getInvoicePreview(signal),
  });

export function useInvoicePreview() {
  return useQuery(invoicePreviewQueryOptions());
}
