// The dashboard's typed events. Each is a plain `Event` subclass carrying typed fields, registered in
// `HTMLElementEventMap`, so listeners get the right type without casts.

export type DeployReason = 'install' | 'update';

export class ElbDeployRequestEvent extends Event {
  static readonly type = 'elb-deploy-request';
  constructor(readonly reason: DeployReason) {
    super(ElbDeployRequestEvent.type, { bubbles: true, composed: true });
  }
}

/** The user confirmed that the running deploy should be cancelled. */
export class ElbCancelRequestEvent extends Event {
  static readonly type = 'elb-cancel-request';
  constructor(readonly instanceId: string) {
    super(ElbCancelRequestEvent.type, { bubbles: true, composed: true });
  }
}

/** Re-read the service address, registry state and the live API spec now. */
export class ElbRetryDiscoveryEvent extends Event {
  static readonly type = 'elb-retry-discovery';
  constructor() {
    super(ElbRetryDiscoveryEvent.type, { bubbles: true, composed: true });
  }
}

/** Hide a finished deploy's result. */
export class ElbDismissResultEvent extends Event {
  static readonly type = 'elb-dismiss-result';
  constructor() {
    super(ElbDismissResultEvent.type, { bubbles: true, composed: true });
  }
}

export class ElbTargetChangeEvent extends Event {
  static readonly type = 'elb-target-change';
  constructor(readonly targetName: string) {
    super(ElbTargetChangeEvent.type, { bubbles: true, composed: true });
  }
}

/** In-app navigation (handled by `elb-app` with the History API). */
export class ElbNavigateEvent extends Event {
  static readonly type = 'elb-navigate';
  constructor(readonly href: string) {
    super(ElbNavigateEvent.type, { bubbles: true, composed: true });
  }
}

/** The confirm dialog's answer. */
export class ElbConfirmEvent extends Event {
  static readonly type = 'elb-confirm';
  constructor(readonly confirmed: boolean) {
    super(ElbConfirmEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'elb-deploy-request': ElbDeployRequestEvent;
    'elb-cancel-request': ElbCancelRequestEvent;
    'elb-retry-discovery': ElbRetryDiscoveryEvent;
    'elb-dismiss-result': ElbDismissResultEvent;
    'elb-target-change': ElbTargetChangeEvent;
    'elb-navigate': ElbNavigateEvent;
    'elb-confirm': ElbConfirmEvent;
  }
}
