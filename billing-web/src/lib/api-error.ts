export type FieldErrors = Record<string, string[]>;

/** An HTTP failure, carrying the RFC 9457 problem details the API sent (or what could be inferred). */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly type: string | undefined;
  readonly errors: FieldErrors;

  constructor(init: { status: number; title: string; detail?: string; type?: string; errors?: FieldErrors }) {
    super(init.detail ?? init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.type = init.type;
    this.errors = init.errors ?? {};
  }
}

/** Raised when the request never got an answer (offline, DNS, proxy down). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The billing service could not be reached.', { cause });
    this.name = 'NetworkError';
  }
}

const statusMessages: Record<number, string> = {
  401: 'Your API key is missing or no longer valid. Sign in again.',
  402: 'Your subscription is suspended or cancelled.',
  403: 'Your API key is not allowed to do this.',
  404: 'We could not find what you asked for.',
  429: 'You have reached a limit. Try again later.',
};

/** Turns any error into a sentence a tenant can act on, preferring what the server explained. */
export function plainMessage(error: unknown): string {
  if (error instanceof NetworkError) {
    return 'We could not reach the billing service. Check your connection and try again.';
  }
  if (!(error instanceof ApiError)) {
    return 'Something went wrong. Try again.';
  }
  const fieldMessages = Object.values(error.errors).flat();
  if (fieldMessages.length > 0) {
    return fieldMessages.join(' ');
  }
  if (error.detail) {
    return error.detail;
  }
  if (error.status >= 500) {
    return 'The billing service had a problem. Try again in a moment.';
  }
  return statusMessages[error.status] ?? error.title;
}
