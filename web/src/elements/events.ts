// The dashboard's typed events. Each is an `Event` subclass carrying typed fields, registered in
// `HTMLElementEventMap`, so listeners get the right type without casts.

/**
 * Base of the dashboard's events: the event type is the subclass's static `type`, and by default the event
 * bubbles out of shadow roots to the page or shell that handles it.
 */
abstract class ElbEvent extends Event {
  constructor(init: EventInit = { bubbles: true, composed: true }) {
    super((new.target as unknown as { type: string }).type, init);
  }
}

export type DeployReason = 'install' | 'update' | 'rebuild';

export class ElbDeployRequestEvent extends ElbEvent {
  static readonly type = 'elb-deploy-request';
  constructor(readonly reason: DeployReason) {
    super();
  }
}

/** The user confirmed a rotation of the service's API token. */
export class ElbRotateTokenRequestEvent extends ElbEvent {
  static readonly type = 'elb-rotate-token-request';
}

/** The user confirmed Start cluster: start the stopped AKS cluster, then deploy the service again. */
export class ElbStartClusterRequestEvent extends ElbEvent {
  static readonly type = 'elb-start-cluster-request';
}

/** The user confirmed that the running deploy should be cancelled. */
export class ElbCancelRequestEvent extends ElbEvent {
  static readonly type = 'elb-cancel-request';
  constructor(readonly instanceId: string) {
    super();
  }
}

/** The user confirmed that a running wave should stop before its next group. */
export class ElbWaveCancelEvent extends ElbEvent {
  static readonly type = 'elb-wave-cancel';
  constructor(readonly waveId: string) {
    super();
  }
}

/** Re-read the service address, registry state and the live API spec now. */
export class ElbRetryDiscoveryEvent extends ElbEvent {
  static readonly type = 'elb-retry-discovery';
}

/** Hide a finished deploy's result. */
export class ElbDismissResultEvent extends ElbEvent {
  static readonly type = 'elb-dismiss-result';
}

export class ElbTargetChangeEvent extends ElbEvent {
  static readonly type = 'elb-target-change';
  constructor(readonly targetName: string) {
    super();
  }
}

/**
 * A confirm button's action was confirmed. Handled on the button itself by the element that rendered it, so it
 * neither bubbles nor leaves that element's shadow root.
 */
export class ElbConfirmEvent extends ElbEvent {
  static readonly type = 'elb-confirm';
  constructor() {
    super({ bubbles: false, composed: false });
  }
}

declare global {
  interface HTMLElementEventMap {
    'elb-deploy-request': ElbDeployRequestEvent;
    'elb-rotate-token-request': ElbRotateTokenRequestEvent;
    'elb-start-cluster-request': ElbStartClusterRequestEvent;
    'elb-cancel-request': ElbCancelRequestEvent;
    'elb-retry-discovery': ElbRetryDiscoveryEvent;
    'elb-dismiss-result': ElbDismissResultEvent;
    'elb-target-change': ElbTargetChangeEvent;
    'elb-confirm': ElbConfirmEvent;
    'elb-wave-cancel': ElbWaveCancelEvent;
  }
}
