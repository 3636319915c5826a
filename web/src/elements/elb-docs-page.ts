import { LitElement, css, html, nothing } from 'lit';
import { Task, TaskStatus, initialState } from '@lit/task';
import { ApiError, api, describeError } from '../api/client.js';
import { parseDependencyProblem } from '../api/parse.js';
import type { DependencyProblem, DeployBrief, StartDeployAnswer, TargetActivity, TargetSummary } from '../api/types.js';
import { clusterStopped, powerText } from '../core/cluster.js';
import { parseTime } from '../core/format.js';
import { blockedReason } from '../core/deploy-text.js';
import { isTerminal, outcomeOf } from '../core/outcome.js';
import {
  deriveDocsState,
  emptyRead,
  nextTrackedId,
  type DeployView,
  type DocsPageState,
  type FollowedDeploy,
  type TrackedDeploy,
} from '../core/page-state.js';
import { nextPollDelay } from '../core/polling.js';
import { ChangeFeed } from '../controllers/change-feed.js';
import { Clock } from '../controllers/clock.js';
import { dismissals } from '../controllers/dismissals.js';
import { PolledRead } from '../controllers/polled-read.js';
import { Poller } from '../controllers/poller.js';
import { TargetSelection } from '../controllers/target-selection.js';
import type { ElbCancelRequestEvent, ElbDeployRequestEvent } from './events.js';
import { pageStyles, sharedStyles } from './shared-styles.js';
import { unknownTargetView } from './read-view.js';
import './elb-approval-card.js';
import './elb-cluster-card.js';
import './elb-dependency-banners.js';
import './elb-deploy-card.js';
import './elb-deploy-progress.js';
import './elb-deploy-result.js';
import './elb-endpoint-list.js';
import './elb-response-contract.js';
import './elb-service-hero.js';
import './elb-target-picker.js';
import type { RotationOffer } from './elb-token-card.js';
import './elb-token-card.js';
import './elb-update-card.js';

const freshTracked = (instanceId: string, reason: string | null): TrackedDeploy => ({
  instanceId,
  reason,
  status: emptyRead(),
  notFound: false,
  cancel: 'none',
});

const isHidden = (): boolean => document.visibilityState === 'hidden';

/** Deploy start refusals that mean a part is down: shown as that part's banner, not as a start error. */
/** Nothing has focus any more: the focused element was removed (a card replaced by another). */
const focusLost = (): boolean => document.activeElement === null || document.activeElement === document.body;

interface FocusRegion extends HTMLElement {
  focusRegion(): void;
}

/**
 * The API page (/docs). It keeps only what the server said (the summary, the change feed, the followed deploy's
 * status) and derives everything it shows through `deriveDocsState`; the deploy it follows comes from the server
 * (`active_deploy`, `last_deploy`) or from the answer to its own deploy request. The browser keeps only which
 * results the user dismissed.
 */
export class ElbDocsPage extends LitElement {
  static override styles = [
    sharedStyles,
    pageStyles,
    css`
      .endpoints header {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
    `,
  ];
  static override properties = {
    target: { type: String },
    tracked: { state: true },
    starting: { state: true },
    startError: { state: true },
    rotateError: { state: true },
    startDependency: { state: true },
    specRefresh: { state: true },
  };

  /** The target named in the URL; null means "the first configured target". */
  declare target: string | null;
  declare tracked: TrackedDeploy | null;
  declare starting: boolean;
  declare startError: { code: string; message: string } | null;
  /** What the server said when a token rotation could not start (shown on the token card). */
  declare rotateError: { code: string; message: string } | null;
  declare startDependency: DependencyProblem | null;
  declare specRefresh: number;
  /** `last_deploy` as the change feed said it last (it answers before the summary). */
  private feedLastDeploy: DeployBrief | null = null;
  /** The user started, updated or cancelled: keep focus on the deploy's region as it turns into the result. */
  private focusFollow = false;
  private lastRegion: string | null = null;

  private readonly targets = new TargetSelection(
    this,
    () => this.target,
    () => {
      this.summary.reset();
      this.feed.reset();
      this.tracked = null;
      this.startError = null;
      this.rotateError = null;
      this.startDependency = null;
      this.feedLastDeploy = null;
    },
  );

  /** The change feed: a deploy started or ended anywhere shows within about a second. */
  private readonly feed = new ChangeFeed<TargetActivity>(this, {
    read: (signal) => {
      const target = this.targets.current;
      return target ? api.activity(target, signal) : null;
    },
    token: (activity) => activity.change_token,
    onChange: (activity, first) => this.onActivity(activity, first),
  });

  private readonly summary = new PolledRead(this, {
    args: () => [this.targets.current] as const,
    read: ([target], signal) => (target ? api.summary(target, signal) : initialState),
    onValue: (summary: TargetSummary) => {
      // The summary is the truth again: a part a refused start named is either listed by it or back.
      this.startDependency = null;
      const followed = nextTrackedId(this.followed(), summary, dismissals.has);
      if (followed !== (this.tracked?.instanceId ?? null)) {
        const reason =
          summary.active_deploy?.instance_id === followed
            ? summary.active_deploy.reason
            : summary.last_deploy?.deploy_id === followed
              ? summary.last_deploy.reason
              : null;
        this.tracked = followed ? freshTracked(followed, reason) : null;
      }
    },
    delay: (read) => {
      const deploy = this.runningDeploy();
      return nextPollDelay({
        deployActive: deploy !== null,
        activeForMs: deploy?.ageMs ?? 0,
        consecutiveErrors: read.consecutiveErrors,
        hidden: isHidden(),
        degraded: (read.value?.dependencies.length ?? 0) > 0 || this.startDependency !== null,
      });
    },
  });

  private readonly statusTask = new Task(this, {
    task: ([target, instanceId], { signal }) =>
      target && instanceId ? api.deployStatus(target, instanceId, signal) : initialState,
    args: () => [this.targets.current, this.tracked?.instanceId ?? null] as const,
    onComplete: (status) => {
      const tracked = this.tracked;
      if (!tracked) return;
      const before = tracked.status.value;
      this.tracked = { ...tracked, status: { value: status, error: null, consecutiveErrors: 0 } };
      if (isTerminal(outcomeOf(status))) {
        // The deploy ended while the page watched: the service's state (address, digest, spec) has changed, so
        // re-read it now. A summary that already knew it ended (a last deploy shown on load) is current already.
        const known = [this.summary.state.value?.last_deploy, this.feedLastDeploy].some(
          (brief) => brief?.deploy_id === tracked.instanceId && brief.finished_at !== null,
        );
        if (!known && (before === null || !isTerminal(outcomeOf(before)))) {
          this.summary.now();
          this.specRefresh++;
        }
      } else {
        this.statusPoller.scheduleNext();
      }
    },
    onError: (error) => {
      const tracked = this.tracked;
      if (!tracked) return;
      if (error instanceof ApiError && error.status === 404) {
        this.tracked = { ...tracked, notFound: true };
        return;
      }
      // One failed read is not the end of a deploy (docs/dashboard.md, "Reading and polling"): keep the last
      // status and back off.
      const status = tracked.status;
      this.tracked = {
        ...tracked,
        status: { value: status.value, error: describeError(error), consecutiveErrors: status.consecutiveErrors + 1 },
      };
      this.statusPoller.scheduleNext();
    },
  });

  private readonly specTask = new Task(this, {
    task: ([target, installed], { signal }) => (target && installed ? api.spec(target, signal) : initialState),
    args: () =>
      [
        this.targets.current,
        this.summary.state.value?.service.installed ?? false,
        this.summary.state.value?.deployed?.digest ?? null,
        this.specRefresh,
      ] as const,
  });

  private readonly statusPoller = new Poller(this, {
    run: () => void this.statusTask.run(),
    delay: () => {
      const tracked = this.tracked;
      if (!tracked || tracked.notFound) return null;
      const deploy = this.runningDeploy();
      if (!deploy) return null;
      return nextPollDelay({
        deployActive: true,
        activeForMs: deploy.ageMs ?? 0,
        consecutiveErrors: tracked.status.consecutiveErrors,
        hidden: isHidden(),
      });
    },
  });

  constructor() {
    super();
    this.target = null;
    this.tracked = null;
    this.starting = false;
    this.startError = null;
    this.rotateError = null;
    this.startDependency = null;
    this.specRefresh = 0;
    new Clock(this, () => this.runningDeploy() !== null);
  }

  /** What nextTrackedId needs to know about the deploy followed now. */
  private followed(): FollowedDeploy | null {
    const tracked = this.tracked;
    if (!tracked) return null;
    const status = tracked.status.value;
    return {
      instanceId: tracked.instanceId,
      terminal: tracked.notFound || (status !== null && isTerminal(outcomeOf(status))),
      createdMs: parseTime(status?.created_time),
    };
  }

  /**
   * The change token moved: a deploy started, ended or changed the deployed digest. Follow a new active deploy
   * at once (the stepper shows before the summary is re-read), then re-read the summary and the followed status.
   */
  private onActivity(activity: TargetActivity, first: boolean): void {
    const active = activity.active_deploy;
    this.feedLastDeploy = activity.last_deploy;
    const followed = nextTrackedId(this.followed(), activity, dismissals.has);
    if (followed !== null && followed !== this.tracked?.instanceId) {
      const reason = active?.instance_id === followed ? active.reason : (activity.last_deploy?.reason ?? null);
      this.tracked = freshTracked(followed, reason);
    }
    this.requestUpdate();
    if (first) return;
    this.summary.now();
    if (this.tracked && !active) this.statusPoller.now();
  }

  private pageState(): DocsPageState {
    if (!this.targets.current) {
      const problem = this.targets.problem;
      if (!problem) return { kind: 'loading' };
      return problem.code === 'unknown_target'
        ? { kind: 'unknown_target', error: problem }
        : { kind: 'unreachable', error: problem };
    }
    return deriveDocsState({
      summary: this.summary.state,
      tracked: this.tracked,
      startError: this.startError,
      startDependency: this.startDependency,
      starting: this.starting,
      now: Date.now(),
      feedLastDeploy: this.feedLastDeploy,
    });
  }

  /** The deploy in progress on the shown target, if any. */
  private runningDeploy(): DeployView | null {
    const state = this.pageState();
    return state.kind === 'installing' || state.kind === 'updating' ? state.deploy : null;
  }

  private async onDeployRequest(event: ElbDeployRequestEvent): Promise<void> {
    const summary = this.summary.state.value;
    if (!summary) return;
    const { reason } = event;
    await this.startOperation(reason, (target) =>
      reason === 'rebuild' ? api.rebuild(target) : api.startDeploy(target, { tag: summary.desired_tag, reason }),
    );
  }

  private async onRotateTokenRequest(): Promise<void> {
    await this.startOperation('rotate_token', (target) => api.rotateToken(target));
  }

  private async onStartClusterRequest(): Promise<void> {
    await this.startOperation('start_cluster', (target) => api.startCluster(target));
  }

  /** Starts a deploy, a rebuild, a token rotation or a cluster start (one lease per target); follows it with the stepper. */
  private async startOperation(
    reason: 'install' | 'update' | 'rebuild' | 'rotate_token' | 'start_cluster',
    start: (target: string) => Promise<StartDeployAnswer>,
  ): Promise<void> {
    const target = this.targets.current;
    if (!target || !this.summary.state.value || this.starting) return;
    this.starting = true;
    this.startError = null;
    this.rotateError = null;
    this.startDependency = null;
    this.focusFollow = true;
    try {
      const answer = await start(target);
      this.tracked = freshTracked(answer.instance_id, reason);
    } catch (error) {
      const active = error instanceof ApiError ? error.body['active_instance_id'] : undefined;
      if (error instanceof ApiError && error.code === 'deploy_in_progress' && typeof active === 'string') {
        // Someone (another tab, a user, a registry push) is already deploying: follow that deploy instead.
        this.tracked = freshTracked(active, null);
      } else if (error instanceof ApiError && error.status === 503 && parseDependencyProblem(error.body)) {
        // Refused before anything was recorded because a part is down (the body is that part's problem): that
        // part's banner says it, once.
        this.startDependency = parseDependencyProblem(error.body);
      } else if (reason === 'rotate_token') {
        this.rotateError = describeError(error);
      } else if (reason === 'start_cluster' && error instanceof ApiError && error.code === 'forbidden') {
        this.startError = { code: error.code, message: 'Starting the cluster needs the deployer role.' };
      } else {
        this.startError = describeError(error);
      }
    } finally {
      this.starting = false;
    }
    this.summary.now();
    await this.updateComplete;
    this.focusDeployRegion();
  }

  /**
   * Focus on what the user's action led to: the progress or result, else a banner saying why it could not start,
   * else the card that offered it (its start error is there).
   */
  private focusDeployRegion(): void {
    const root = this.renderRoot;
    const region =
      root.querySelector<FocusRegion>('elb-deploy-progress') ??
      root.querySelector<FocusRegion>('elb-deploy-result') ??
      (this.startDependency ? root.querySelector<FocusRegion>('elb-dependency-banners') : null) ??
      root.querySelector<FocusRegion>('elb-update-card, elb-deploy-card, elb-cluster-card');
    region?.focusRegion();
    // The action's story ends with its result: a later deploy (say, a push) does not take focus from the user.
    if (region?.localName === 'elb-deploy-result') this.focusFollow = false;
  }

  private currentRegion(): string | null {
    const root = this.renderRoot;
    if (root.querySelector('elb-deploy-progress')) return 'progress';
    if (root.querySelector('elb-deploy-result')) return `result`;
    return null;
  }

  override updated(): void {
    // The region the user's action focused was replaced (progress → result): focus its successor, not <body>.
    const region = this.currentRegion();
    if (this.focusFollow && region !== this.lastRegion && focusLost()) {
      void Promise.resolve().then(() => this.focusDeployRegion());
    }
    this.lastRegion = region;
  }

  private async onCancelRequest(event: ElbCancelRequestEvent): Promise<void> {
    const target = this.targets.current;
    if (!target || this.tracked?.instanceId !== event.instanceId) return;
    this.focusFollow = true;
    try {
      await api.cancelDeploy(target, event.instanceId);
      if (this.tracked?.instanceId === event.instanceId) this.tracked = { ...this.tracked, cancel: 'requested' };
      this.statusPoller.now();
    } catch (error) {
      if (this.tracked?.instanceId === event.instanceId)
        this.tracked = { ...this.tracked, cancel: describeError(error) };
      // A 409 means the deploy had already decided its outcome: read it now so the result shows at once.
      this.statusPoller.now();
    }
    await this.updateComplete;
    this.focusDeployRegion();
  }

  private async onDismiss(): Promise<void> {
    const state = this.pageState();
    if (state.kind === 'installed' || state.kind === 'not_installed' || state.kind === 'service_unknown') {
      // Remembered per deploy id: the same result does not come back on the next summary or a reload.
      if (this.tracked) dismissals.add(this.tracked.instanceId);
      // A summary that lags may still name an older deploy as the last one: the user has seen past it too.
      const last = this.summary.state.value?.last_deploy?.deploy_id;
      if (last) dismissals.add(last);
      this.tracked = null;
      this.focusFollow = false;
      await this.updateComplete;
      this.renderRoot.querySelector<FocusRegion>('elb-update-card, elb-deploy-card, elb-cluster-card')?.focusRegion();
    }
  }

  private onRetryDiscovery(): void {
    this.summary.now();
    this.specRefresh++;
  }

  private renderEndpoints() {
    const task = this.specTask;
    const spec = task.value;
    let body;
    if (task.status === TaskStatus.ERROR) {
      const error = describeError(task.error);
      body = html`<div class="notice error" role="alert">
          Could not read the live API's OpenAPI document: ${error.message} <code>${error.code}</code>
        </div>
        <button type="button" @click=${() => this.specRefresh++}>Try again</button>`;
    } else if (spec) {
      body = html`<elb-response-contract .document=${spec.document}></elb-response-contract>
        <elb-endpoint-list
          .operations=${spec.operations}
          .document=${spec.document}
          .target=${this.targets.current ?? ''}
          .baseUrl=${this.summary.state.value?.service.base_url ?? null}
        ></elb-endpoint-list>`;
    } else {
      body = html`<p class="muted" role="status">Loading the live API's endpoints…</p>`;
    }
    return html`<section class="card endpoints" aria-labelledby="endpoints-title">
      <header>
        <h2 id="endpoints-title">Endpoints</h2>
        ${spec?.title ? html`<span class="muted">${spec.title}${spec.version ? ` ${spec.version}` : ''}</span>` : nothing}
      </header>
      ${body}
    </section>`;
  }

  private renderState(state: DocsPageState) {
    switch (state.kind) {
      case 'loading':
        return html`<h1>elb-openapi API</h1>
          <p class="card muted" role="status">Loading the service state…</p>`;
      case 'unknown_target':
        return html`<h1>elb-openapi API</h1>
          ${unknownTargetView(state.error.message)}`;
      case 'unreachable':
        return html`<h1>elb-openapi API</h1>
          <div class="card">
            <div class="notice error" role="alert">
              <strong>The dashboard cannot read the service state.</strong> ${state.error.message}
              <code>${state.error.code}</code>
            </div>
            <button type="button" @click=${() => this.retryAll()}>Try again</button>
          </div>`;
      default:
        break;
    }
    const specVersion = this.specTask.value?.version ?? null;
    const hero = html`<elb-service-hero .summary=${state.summary} .specVersion=${specVersion}></elb-service-hero>`;
    const stale = state.staleWarning
      ? html`<div class="notice warn" role="status">${state.staleWarning}</div>`
      : nothing;
    // A stopped cluster is said by its own card, not as a part that does not answer.
    const down = state.dependencies.filter((d) => d.code !== 'cluster_stopped');
    const banners =
      down.length > 0 ? html`<elb-dependency-banners .dependencies=${down}></elb-dependency-banners>` : nothing;
    // The update policy and an update waiting for approval or the window (docs/dashboard.md "Approvals").
    const approval = html`<elb-approval-card .summary=${state.summary} .now=${Date.now()}></elb-approval-card>`;
    const top = html`${hero}${banners}${stale}${approval}`;
    const rotation: RotationOffer = {
      blocked:
        state.kind === 'updating' || state.kind === 'installing'
          ? 'A deploy or token rotation is running: rotate once it has ended.'
          : state.blocked,
      starting: state.starting,
      error: this.rotateError,
    };
    const tokenCard = html`<elb-token-card
      .target=${this.targets.current ?? ''}
      .baseUrl=${state.summary.service.base_url}
      .rotation=${rotation}
    ></elb-token-card>`;
    const namespace = state.summary.namespace;
    const result = (deploy: DeployView | null) =>
      deploy ? html`<elb-deploy-result .deploy=${deploy} .namespace=${namespace}></elb-deploy-result>` : nothing;
    const idle = state.kind === 'not_installed' || state.kind === 'service_unknown' || state.kind === 'installed';
    if (idle && clusterStopped(state.summary)) {
      // Nothing else can run on a stopped cluster: the card offers the one thing that can (docs/dashboard.md).
      return html`${top} ${result(state.lastDeploy)}
        <elb-cluster-card
          .target=${state.summary.target}
          .power=${powerText(state.summary)}
          .desiredTag=${state.summary.desired_tag}
          ?installed=${state.summary.deployed !== null}
          .blocked=${blockedReason(down)}
          ?starting=${state.starting}
          .startError=${state.startError}
        ></elb-cluster-card>`;
    }
    switch (state.kind) {
      case 'not_installed':
        return html`${top} ${result(state.lastDeploy)}
          <elb-deploy-card
            .summary=${state.summary}
            .failedDigest=${state.failedDigest}
            .blocked=${state.blocked}
            ?starting=${state.starting}
            .startError=${state.startError}
          ></elb-deploy-card>`;
      case 'service_unknown': {
        // A banner already says the cluster cannot be reached; the card does not say it again.
        const said = state.dependencies.some((d) => d.part === 'cluster');
        return html`${top} ${result(state.lastDeploy)}
          <section class="card" aria-labelledby="unknown-title">
            <h2 id="unknown-title">Service state unknown</h2>
            ${
              said
                ? nothing
                : html`<div class="notice error" role="alert">
                    Could not read elb-openapi's state from the cluster: ${state.error}
                  </div>`
            }
            <p>
              Deploy is offered once the dashboard can tell whether the service is installed, so a cluster that cannot
              be read is not mistaken for an empty one.
            </p>
            <div class="actions"><button type="button" @click=${this.onRetryDiscovery}>Retry Discovery</button></div>
          </section>`;
      }
      case 'installing':
        return html`${top}<elb-deploy-progress .deploy=${state.deploy}></elb-deploy-progress>`;
      case 'installed':
        return html`${top} ${result(state.lastDeploy)}
          <elb-update-card
            .advice=${state.update}
            .blocked=${state.blocked}
            ?starting=${state.starting}
            .startError=${state.startError}
          ></elb-update-card>
          ${tokenCard} ${this.renderEndpoints()}`;
      case 'updating':
        return html`${top}<elb-deploy-progress installed .deploy=${state.deploy}></elb-deploy-progress>${tokenCard}
          ${this.renderEndpoints()}`;
    }
  }

  private retryAll(): void {
    if (!this.targets.current) this.targets.retry();
    else this.summary.now();
  }

  override render() {
    return html`<div
      @elb-deploy-request=${this.onDeployRequest}
      @elb-rotate-token-request=${this.onRotateTokenRequest}
      @elb-start-cluster-request=${this.onStartClusterRequest}
      @elb-cancel-request=${this.onCancelRequest}
      @elb-dismiss-result=${this.onDismiss}
      @elb-retry-discovery=${this.onRetryDiscovery}
    >
      <elb-target-picker .targets=${this.targets.names} .selected=${this.targets.current}></elb-target-picker>
      ${this.renderState(this.pageState())}
    </div>`;
  }
}

customElements.define('elb-docs-page', ElbDocsPage);

declare global {
  interface HTMLElementTagNameMap {
    'elb-docs-page': ElbDocsPage;
  }
}
