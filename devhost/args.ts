import path from 'node:path';
import { DevhostError } from './errors.js';

export interface CliOptions {
  appDir: string;
  port: number;
  host: string;
  stateDir: string;
  /** Run even if the app's durable-functions is not the version the devhost was verified against. */
  allowUntestedDurable: boolean;
}

export const USAGE = `usage: elb-devhost --app DIR [--port N] [--host ADDR] [--state-dir DIR] [--allow-untested-durable-functions]

  --app DIR         the Functions app: DIR/package.json "main" (file or glob), DIR/host.json, DIR/local.settings.json
  --port N          HTTP port (default 7071; 0 picks a free port, printed on the READY line)
  --host ADDR       bind address (default 127.0.0.1)
  --state-dir DIR   durable state (default DIR/.local/devhost)
  --allow-untested-durable-functions
                    start even if the app's durable-functions differs from the version the devhost is verified with`;

/** Parses the command line; unknown or malformed flags are errors with a code, never silently ignored. */
export function parseArgs(argv: string[], cwd = process.cwd()): CliOptions {
  let appDir: string | undefined;
  let port = 7071;
  let host = '127.0.0.1';
  let stateDir: string | undefined;
  let allowUntestedDurable = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new DevhostError('bad_arguments', `${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--app':
        appDir = path.resolve(cwd, value());
        break;
      case '--port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535)
          throw new DevhostError('bad_arguments', `--port must be 0-65535, got '${v}'`);
        port = Number(v);
        break;
      }
      case '--host':
        host = value();
        break;
      case '--state-dir':
        stateDir = path.resolve(cwd, value());
        break;
      case '--allow-untested-durable-functions':
        allowUntestedDurable = true;
        break;
      case '-h':
      case '--help':
        throw new DevhostError('help', USAGE);
      default:
        throw new DevhostError('bad_arguments', `unknown argument '${arg}'\n${USAGE}`);
    }
  }
  if (!appDir) throw new DevhostError('bad_arguments', `--app is required\n${USAGE}`);
  return { appDir, port, host, stateDir: stateDir ?? path.join(appDir, '.local', 'devhost'), allowUntestedDurable };
}
