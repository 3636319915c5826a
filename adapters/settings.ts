// Reads the app's settings from the environment once per process (the Functions host sets them from app settings
// or local.settings.json). The rules live in core/config.ts.
import { readFileSync } from 'node:fs';
import { AppConfig, loadConfig, NotifyDestination, parseNotifyWebhooks } from '../core/config';
import { DomainError } from '../core/errors';

let cached: AppConfig | null = null;

export function appConfig(): AppConfig {
  if (cached) return cached;
  const env = process.env;
  let fileContent: string | undefined;
  if (!env.ELB_TARGETS && env.ELB_TARGETS_FILE) {
    try {
      fileContent = readFileSync(env.ELB_TARGETS_FILE, 'utf8');
    } catch {
      throw new DomainError('invalid_targets', 'ELB_TARGETS_FILE cannot be read', 500);
    }
  }
  cached = loadConfig(env, fileContent);
  return cached;
}

/** The exec server token; read on use and never copied into config objects that might be logged. */
export function execToken(): string {
  const token = process.env.EXEC_TOKEN ?? '';
  if (token.length < 32)
    throw new DomainError('exec_not_configured', 'EXEC_TOKEN is not set (or shorter than 32 characters)', 503);
  return token;
}

/**
 * A notification destination's URL and format, read from ELB_NOTIFY_WEBHOOKS on use (like the exec token: the URL is a
 * secret and is never copied into the config object); null when no destination has that name (any more).
 */
export function notifyDestination(name: string): { url: string; format: NotifyDestination['format'] } | null {
  const found = parseNotifyWebhooks(process.env.ELB_NOTIFY_WEBHOOKS).find((d) => d.name === name);
  return found ? { url: found.url, format: found.format } : null;
}
