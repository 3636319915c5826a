// The sim cluster as an AKS managed cluster: power state Running or Stopped, and start/stop as ARM long-running
// operations that take `powerDelayMs`. While stopped, the cluster's API server (its TLS door, the address in the
// kubeconfig listClusterUserCredential hands out) refuses connections; start opens it again on the same port with
// the same objects. The sim's plain Kubernetes port (its own kubeconfig and the control API) stays up: it is the
// sim's back door, not this cluster's API server (docs/sim.md, "Stop and start").
import { ArmError } from './errors';
import type { TlsDoor } from './tls-door';

export type PowerState = 'Running' | 'Stopped';
export type ClusterProvisioning = 'Succeeded' | 'Starting' | 'Stopping' | 'Failed';

export interface ClusterSnapshot {
  power: PowerState;
}

export class ManagedCluster {
  power: PowerState = 'Running';
  provisioning: ClusterProvisioning = 'Succeeded';
  private timer: NodeJS.Timeout | undefined;
  private port = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly door: TlsDoor,
    private readonly powerDelayMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Opens the API server on `port` unless the saved state says the cluster is stopped. */
  async boot(port: number, saved: ClusterSnapshot | undefined): Promise<number> {
    if (saved?.power === 'Stopped') {
      // Listen once to claim (and, for port 0, learn) the port the kubeconfig names, then refuse connections.
      this.port = await this.door.open(port);
      await this.door.close();
      this.power = 'Stopped';
      return this.port;
    }
    this.port = await this.door.open(port);
    return this.port;
  }

  get apiPort(): number {
    return this.port;
  }

  /** Begins a power change; `done` runs when it has finished (with an error when it failed). */
  change(target: 'start' | 'stop', done: (err?: ArmError) => void): void {
    if (this.provisioning === 'Starting' || this.provisioning === 'Stopping') {
      throw new ArmError(
        409,
        'OperationNotAllowed',
        `Operation is not allowed because there's an in progress ${this.provisioning === 'Starting' ? 'start' : 'stop'} operation on the managed cluster.`,
      );
    }
    const want: PowerState = target === 'start' ? 'Running' : 'Stopped';
    if (this.power === want) {
      done();
      return;
    }
    this.provisioning = target === 'start' ? 'Starting' : 'Stopping';
    this.log(`cluster ${this.provisioning.toLowerCase()}`);
    this.changed();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const step = target === 'start' ? this.door.open(this.port) : this.door.close();
      step.then(
        () => {
          this.power = want;
          this.provisioning = 'Succeeded';
          this.log(`cluster ${want.toLowerCase()}`);
          this.changed();
          done();
        },
        (err: unknown) => {
          this.provisioning = 'Failed';
          this.log(`cluster ${target} failed: ${err instanceof Error ? err.message : String(err)}`);
          this.changed();
          done(new ArmError(500, 'StartFailed', `the API server could not listen on port ${this.port} again`));
        },
      );
    }, this.powerDelayMs);
  }

  /** Waits for a power change (the control API's synchronous verbs). */
  changeAndWait(target: 'start' | 'stop'): Promise<void> {
    return new Promise((resolve, reject) => this.change(target, (err) => (err ? reject(err) : resolve())));
  }

  snapshot(): ClusterSnapshot {
    // A change in flight is saved as where it was heading: the door follows the saved state at the next start.
    const heading =
      this.provisioning === 'Starting' ? 'Running' : this.provisioning === 'Stopping' ? 'Stopped' : this.power;
    return { power: heading };
  }

  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.door.close();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
