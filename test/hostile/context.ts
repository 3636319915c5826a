// What the hostile case generators need to know about the running stack, and a request builder they share.
import { requestBytes, standardHeaders } from '../support/raw-socket';
import type { SeededRandom } from '../support/seeded-random';

export interface HostileContext {
  rng: SeededRandom;
  ports: {
    api: number;
    web: number;
    exec: number;
    simK8s: number;
    simRegistry: number;
    /** An exec server of our own running the production policy. */
    execProduction: number;
  };
  /** The dashboard's own origin, e.g. http://127.0.0.1:5173. */
  webOrigin: string;
  keys: { master?: string; system?: string };
  execToken: string;
  execProductionToken: string;
  registry: {
    /** Registry host as image references and ImagePushed events name it, e.g. 127.0.0.1:5001. */
    host: string;
    /** Event Grid topic: the registry's resource id the app is configured with. */
    topic: string;
    repository: string;
    /** The tag the local target follows. */
    desiredTag: string;
    /** The registry's current digest for `desiredTag`. */
    currentDigest: string;
    /** A digest the registry holds, but not for `desiredTag` (what a replayed old event would carry). */
    staleDigest: string;
  };
  /** A kubeconfig whose cluster is a closed loopback port: an allowed kubectl fails there without touching anything. */
  deadKubeconfig: string;
}

export interface SimpleRequest {
  method: string;
  target: string;
  /** Added after Host and Connection: close (or instead of Host when `host` is given). */
  headers?: Array<[string, string]>;
  body?: string | Buffer;
  /** Replaces the loopback Host header; null leaves Host out. */
  host?: string | null;
}

/** The bytes of one request to 127.0.0.1:`port`. */
export function bytesFor(port: number, r: SimpleRequest): Buffer {
  const base = standardHeaders(port, r.headers ?? []);
  const headers =
    r.host === undefined
      ? base
      : r.host === null
        ? base.filter(([n]) => n !== 'Host')
        : base.map(([n, v]): [string, string] => (n === 'Host' ? [n, r.host as string] : [n, v]));
  return requestBytes({ method: r.method, target: r.target, headers, body: r.body });
}

export const EVIL_ORIGIN = 'http://evil.example';
