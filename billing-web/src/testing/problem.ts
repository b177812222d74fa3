import { HttpResponse } from 'msw';

type Problem = { status: number; title: string; detail?: string; errors?: Record<string, string[]> };

/** An RFC 9457 response as the API sends it. */
export function problem(body: Problem) {
  return HttpResponse.json(
    { type: `https://billing.example/problems/${body.status}`, ...body },
    { status: body.status, headers: { 'Content-Type': 'application/problem+json' } },
  );
}
