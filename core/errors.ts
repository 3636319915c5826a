// Every failure the product reports carries a machine-readable code; HTTP handlers map `status` onto the response,
// deploy phases copy `code`, `message` and `diagnostics` into the orchestration output.
import type * as z from 'zod/mini';
import type { Diagnostics as Schema } from './contract/deploy';

/** Evidence a failure carries (events, likely cause, what to do); declared in core/contract/deploy.ts. */
export type Diagnostics = z.output<typeof Schema>;
export type DiagnosticEvent = NonNullable<Diagnostics['events']>[number];

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
