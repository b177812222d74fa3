import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { InvoicePage } from '@/types/api';

export const invoicePageSize = 20;

export function getInvoices(page: number, signal?: AbortSignal): Promise<InvoicePage> {
  return api.get<InvoicePage>(`/api/v1/invoices?page=${page}&pageSize=${invoicePageSize}`, signal);
}

export const invoicesQueryOptions = (page: number) =>
  queryOptions({
    queryKey: ['invoices', { page }],
    queryFn: ({ signal }) => getInvoices(page, signal),
    // Keep the current page on screen while the next one loads, so the table does not jump.
    placeholderData: keepPreviousData,
  });

export function useInvoices(page: number) {
  return useQuery(invoicesQueryOptions(page));
}
