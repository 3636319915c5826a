// Telemetry the platform understands (docs/telemetry.md): OpenTelemetry spans and logs exported to Application
// Insights by @azure/monitor-opentelemetry, on only when APPLICATIONINSIGHTS_CONNECTION_STRING is set. Off, nothing
// is imported or started: the SDK is loaded by a dynamic import on first use, so a cold start pays nothing for it.
import type { Attributes } from '@opentelemetry/api';

export interface Telemetry {
  /**
   * Runs `work` inside a span named `name` carrying `attributes`, and emits one log record with the same attributes
   * saying how it ended (`outcome` of its value, or `fault`). Never records inputs, values or error messages.
   */
  traced<T>(name: string, attributes: Attributes, work: () => Promise<T>, outcome: (value: T) => string): Promise<T>;
  /** Sends what is still batched and stops; nothing to do if nothing was traced. */
  shutdown(): Promise<void>;
}

/** Registers the global OpenTelemetry providers (in production: the Azure Monitor distro); returns their shutdown. */
export type StartTelemetry = () => Promise<() => Promise<void>>;

export const CONNECTION_STRING_SETTING = 'APPLICATIONINSIGHTS_CONNECTION_STRING';

/** Telemetry to Application Insights when the connection string is set; null (and nothing loaded) otherwise. */
export function telemetryFromEnv(env: NodeJS.ProcessEnv = process.env): Telemetry | null {
  const connectionString = env[CONNECTION_STRING_SETTING]?.trim();
  if (!connectionString) return null;
  const entra = entraAuthentication(env[AUTHENTICATION_STRING_SETTING]);
  return createTelemetry(async () => {
    const [{ useAzureMonitor, shutdownAzureMonitor }, { ManagedIdentityCredential }] = await Promise.all([
      import('@azure/monitor-opentelemetry'),
      import('@azure/identity'),
    ]);
    const credential = entra
      ? new ManagedIdentityCredential(entra.clientId ? { clientId: entra.clientId } : {})
      : undefined;
    useAzureMonitor({
      azureMonitorExporterOptions: { connectionString, ...(credential ? { credential } : {}) },
      // Every deploy's spans are kept (the default rate limit of 5 traces a second could drop a step of one).
      samplingRatio: 1,
      tracesPerSecond: 0,
    });
    return shutdownAzureMonitor;
  });
}

export const AUTHENTICATION_STRING_SETTING = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';

/**
 * The Functions convention for Entra ID-authenticated telemetry, `Authorization=AAD;ClientId=<managed identity>`
 * (bicep/ sets it: the Application Insights component accepts no key-authenticated telemetry). The distro does not
 * read it for its exporters, so the credential is passed explicitly. Null when telemetry is key-authenticated.
 */
export function entraAuthentication(value: string | undefined): { clientId: string | null } | null {
  if (!value?.trim()) return null;
  const pairs = new Map(
    value.split(';').flatMap((pair) => {
      const at = pair.indexOf('=');
      return at > 0 ? [[pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim()] as const] : [];
    }),
  );
  if (pairs.get('authorization')?.toUpperCase() !== 'AAD') return null;
  return { clientId: pairs.get('clientid') || null };
}

const SCOPE = 'elb-control';

/**
 * Telemetry over whatever providers `start` registers. Started on first use, once: loading the distro takes seconds
 * on a small instance, so only the activities that are traced pay it, never an HTTP request or a cold start.
 */
export function createTelemetry(start: StartTelemetry): Telemetry {
  type Apis = [typeof import('@opentelemetry/api'), typeof import('@opentelemetry/api-logs'), () => Promise<void>];
  let ready: Promise<Apis | null> | null = null;
  const started = () =>
    (ready ??= start()
      .then(async (stop): Promise<Apis> => {
        const [api, logs] = await Promise.all([import('@opentelemetry/api'), import('@opentelemetry/api-logs')]);
        return [api, logs, stop];
      })
      // A failed start (a malformed connection string, say) leaves the work untraced rather than failing it.
      .catch(() => {
        console.error(`telemetry: OpenTelemetry did not start (check ${CONNECTION_STRING_SETTING}); running untraced`);
        return null;
      }));

  return {
    async shutdown() {
      const apis = await ready;
      if (apis) await apis[2]();
    },
    async traced(name, attributes, work, outcome) {
      const apis = await started();
      if (!apis) return work();
      const [{ context, trace, SpanStatusCode }, { logs, SeverityNumber }] = apis;
      const logger = logs.getLogger(SCOPE);
      return trace.getTracer(SCOPE).startActiveSpan(name, { attributes }, async (span) => {
        const ended = (result: string, severity: number, severityText: string) => {
          span.setAttribute('elb.outcome', result);
          if (result !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR });
          logger.emit({
            // In the span's trace, so Application Insights joins the log to it (operation id).
            context: trace.setSpan(context.active(), span),
            severityNumber: severity,
            severityText,
            body: `${name}: ${result}`,
            attributes: { ...attributes, 'elb.outcome': result },
          });
        };
        try {
          const value = await work();
          const result = outcome(value);
          ended(result, result === 'ok' ? SeverityNumber.INFO : SeverityNumber.WARN, result === 'ok' ? 'INFO' : 'WARN');
          return value;
        } catch (err) {
          // The class only: a fault's message may carry an address, a command's output or a response body.
          span.setAttribute('elb.fault', err instanceof Error ? err.name : typeof err);
          ended('fault', SeverityNumber.ERROR, 'ERROR');
          throw err;
        } finally {
          span.end();
        }
      });
    },
  };
}
