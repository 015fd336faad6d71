// An API error as the real service reports it: HTTP 200 with Response.Error.{Code,Message}.

export class ApiError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** Throw an API error (typed `never` so it can end an expression). */
export function fail(code: string, message: string): never {
  throw new ApiError(code, message);
}
