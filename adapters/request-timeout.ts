// A time bound on every try of an Azure SDK request. The SDKs wait for an answer without limit by default, so a
// storage account or registry that accepts the connection and never answers would hold an HTTP request past the
// 45 s after which Static Web Apps ends it (docs/decisions/0001, "Time limits"). A try that times out is not retried
// (the SDK retries answers and connection errors, not its own aborts), so one call takes at most
// SDK_TRY_TIMEOUT_MS when its peer hangs, and a few seconds of backoff when it refuses.
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export const SDK_TRY_TIMEOUT_MS = 5000;

/** Retries of an answered failure (503, connection refused …): 0.5 s then 1 s apart, at most 2 s. */
export const SDK_RETRY_OPTIONS = { maxRetries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 2000 };

/** Sets each try's timeout unless the caller chose one; added per retry, so every try gets the full bound. */
export function requestTimeoutPolicy(timeoutMs = SDK_TRY_TIMEOUT_MS): PipelinePolicy {
  return {
    name: 'elbRequestTimeout',
    sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      return next(request);
    },
  };
}

/** Client options that bound an SDK client's calls (tables, registry). */
export function boundedClientOptions(timeoutMs = SDK_TRY_TIMEOUT_MS) {
  return {
    retryOptions: SDK_RETRY_OPTIONS,
    additionalPolicies: [{ policy: requestTimeoutPolicy(timeoutMs), position: 'perRetry' as const }],
  };
}
