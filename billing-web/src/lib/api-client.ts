import { readApiKey } from './api-key';
import { ApiError, NetworkError, type FieldErrors } from './api-error';

export { ApiError, NetworkError, plainMessage } from './api-error';

type RequestOptions = {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** A key to send instead of the stored one (a key being checked before sign-in). */
  apiKey?: string;
};

/** Calls the billing API on this origin (the dev server proxies `/api`) and returns its JSON body. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers = new Headers({ Accept: 'application/json, application/problem+json' });
  const key = options.apiKey ?? readApiKey();
  if (key) {
    headers.set('Authorization', `Bearer ${key}`);
  }
  if (options.body !== undefined) {
    headers.set('Content-Type', 'application/json');
  }

  let response: Response;
  try {
    response = await fetch(new URL(path, window.location.origin), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') {
      throw error;
    }
    throw new NetworkError(error);
  }

  if (!response.ok) {
    throw await toApiError(response);
  }
  if (response.status === 204) {
    return undefined as T;
  }
  return (await response.json()) as T;
}

/** Like a GET, but an endpoint this API version does not serve (404) yields null instead of an error. */
async function getOptional<T>(path: string, signal?: AbortSignal): Promise<T | null> {
  try {
    return await apiRequest<T>(path, { signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return null;
    }
    throw error;
  }
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => apiRequest<T>(path, { signal }),
  getOptional,
  post: <T>(path: string, body?: unknown) => apiRequest<T>(path, { method: 'POST', body }),
};

type ProblemDetails = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldErrors;
};

async function toApiError(response: Response): Promise<ApiError> {
  const fallbackTitle = response.statusText || `Request failed with status ${response.status}`;
  const contentType = response.headers.get('Content-Type') ?? '';
  if (!contentType.includes('json')) {
    return new ApiError({ status: response.status, title: fallbackTitle });
  }
  // A proxy or a crashing server can claim JSON and send something else; keep the status either way.
  const problem = (await response.json().catch(() => ({}))) as ProblemDetails;
  return new ApiError({
    status: problem.status ?? response.status,
    title: problem.title ?? fallbackTitle,
    detail: problem.detail,
    type: problem.type,
    errors: problem.errors,
  });
}
