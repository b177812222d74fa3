import { http, HttpResponse } from 'msw';
import { problem } from '@/testing/problem';
import { server } from '@/testing/server';
import { ApiError, NetworkError, api, apiRequest, plainMessage } from './api-client';
import { saveApiKey } from './api-key';

describe('api client', () => {
  it('returns the JSON body of a successful response', async () => {
    server.use(http.get('/api/v1/plans', () => HttpResponse.json({ currency: 'usd', plans: [] })));

    await expect(api.get('/api/v1/plans')).resolves.toEqual({ currency: 'usd', plans: [] });
  });

  it('sends the stored API key as a bearer token', async () => {
    saveApiKey('bk_test_123');
    let authorization: string | null = null;
    server.use(
      http.get('/api/v1/usage', ({ request }) => {
        authorization = request.headers.get('Authorization');
        return HttpResponse.json({});
      }),
    );

    await api.get('/api/v1/usage');

    expect(authorization).toBe('Bearer bk_test_123');
  });

  it('sends a key given for one request instead of the stored one', async () => {
    saveApiKey('bk_stored');
    let authorization: string | null = null;
    server.use(
      http.get('/api/v1/api-keys/current', ({ request }) => {
        authorization = request.headers.get('Authorization');
        return HttpResponse.json({});
      }),
    );

    await apiRequest('/api/v1/api-keys/current', { apiKey: 'bk_being_checked' });

    expect(authorization).toBe('Bearer bk_being_checked');
  });

  it('sends no Authorization header before sign-in', async () => {
    let hasAuthorization = true;
    server.use(
      http.get('/api/v1/plans', ({ request }) => {
        hasAuthorization = request.headers.has('Authorization');
        return HttpResponse.json({});
      }),
    );

    await api.get('/api/v1/plans');

    expect(hasAuthorization).toBe(false);
  });

  it('posts the body as JSON', async () => {
    let received: unknown;
    let contentType: string | null = null;
    server.use(
      http.post('/api/v1/subscription/change-plan', async ({ request }) => {
        contentType = request.headers.get('Content-Type');
        received = await request.json();
        return new HttpResponse(null, { status: 204 });
      }),
    );

    await expect(api.post('/api/v1/subscription/change-plan', { plan: 'standard' })).resolves.toBeUndefined();

    expect(received).toEqual({ plan: 'standard' });
    expect(contentType).toBe('application/json');
  });

  it('turns a problem response into an ApiError with its fields', async () => {
    server.use(
      http.post('/api/v1/subscription/change-plan', () =>
        problem({
          status: 400,
          title: 'One or more validation errors occurred.',
          detail: 'The request is invalid.',
          errors: { plan: ['Plan must be free, standard or enterprise.'] },
        }),
      ),
    );

    const error = await api.post('/api/v1/subscription/change-plan', { plan: 'gold' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      title: 'One or more validation errors occurred.',
      detail: 'The request is invalid.',
      type: 'https://billing.example/problems/400',
      errors: { plan: ['Plan must be free, standard or enterprise.'] },
    });
  });

  it('keeps the status of an error that is not JSON', async () => {
    server.use(
      http.get('/api/v1/plans', () => new HttpResponse('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' })),
    );

    const error = await api.get('/api/v1/plans').catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 502, title: 'Bad Gateway', errors: {} });
  });

  it('answers null for an optional endpoint the API does not serve', async () => {
    server.use(http.get('/api/v1/alerts', () => problem({ status: 404, title: 'Not Found' })));

    await expect(api.getOptional('/api/v1/alerts')).resolves.toBeNull();
  });

  it('still fails an optional endpoint on other errors', async () => {
    server.use(http.get('/api/v1/alerts', () => problem({ status: 401, title: 'Unauthorized' })));

    await expect(api.getOptional('/api/v1/alerts')).rejects.toMatchObject({ status: 401 });
  });

  it('reports an unreachable server as a network error', async () => {
    server.use(http.get('/api/v1/plans', () => HttpResponse.error()));

    await expect(api.get('/api/v1/plans')).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('plainMessage', () => {
  it.each([
    [
      'field errors, joined',
      new ApiError({ status: 400, title: 'Invalid', detail: 'Bad', errors: { plan: ['Pick a plan.'], note: ['Too long.'] } }),
      'Pick a plan. Too long.',
    ],
    ['the detail', new ApiError({ status: 409, title: 'Conflict', detail: 'You are already on Standard.' }), 'You are already on Standard.'],
    ['sign-in advice for 401', new ApiError({ status: 401, title: 'Unauthorized' }), 'Your API key is missing or no longer valid. Sign in again.'],
    ['a retry hint for 5xx', new ApiError({ status: 503, title: 'Service Unavailable' }), 'The billing service had a problem. Try again in a moment.'],
    ['the title otherwise', new ApiError({ status: 418, title: "I'm a teapot" }), "I'm a teapot"],
    ['connection advice', new NetworkError(new TypeError('fetch failed')), 'We could not reach the billing service. Check your connection and try again.'],
    ['a generic sentence for anything else', new Error('boom'), 'Something went wrong. Try again.'],
  ])('uses %s', (_, error, expected) => {
    expect(plainMessage(error)).toBe(expected);
  });
});
