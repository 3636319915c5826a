// Every failure the product reports carries a machine-readable code; HTTP handlers map `status` onto the response,
// deploy phases copy `code`, `message` and `diagnostics` into the orchestration output.

export interface Diagnostics {
  likely_cause?: string;
  what_to_do?: string;
  events?: DiagnosticEvent[];
  [key: string]: unknown;
}

export interface DiagnosticEvent {
  kind: string;
  name: string;
  reason: string;
  message: string;
  type?: string;
  count?: number;
  last_timestamp?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

/** The JSON body an error becomes: `{code, message, ...details}`; never a stack. */
export function errorBody(err: DomainError): Record<string, unknown> {
  return { code: err.code, message: err.message, ...err.details };
}
