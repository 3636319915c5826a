// The per-target summary the dashboard reads (docs/contracts.md): pinned/desired tag, what is deployed, what the
// registry has, whether an update is available, the live service and the active deploy.
import { AppConfig } from './config';
import { digestRef } from './image';
import { desiredTag, TargetState } from './target-state';
import { Target } from './targets';

export interface RegistryView {
  tag: string;
  digest: string | null;
  tags: string[];
  error?: string;
}

export interface ServiceView {
  installed: boolean;
  external_ip: string | null;
  base_url: string | null;
  swagger_url: string | null;
  api_version: string | null;
  live_image?: string | null;
  error?: string;
}

export interface ActiveDeployView {
  instance_id: string;
  runtime_status: string;
  phase: string;
  reason: string;
  stuck?: boolean;
}

export interface TargetSummary {
  target: string;
  kind: Target['kind'];
  namespace: string;
  pinned_tag: string;
  desired_tag: string;
  deployed: { tag: string | null; digest: string; image: string; deployed_at: string | null } | null;
  registry: RegistryView;
  update_available: boolean;
  drift: { detected: boolean; live_image: string | null };
  service: ServiceView;
  active_deploy: ActiveDeployView | null;
}

export function buildSummary(
  config: AppConfig,
  target: Target,
  state: TargetState,
  registry: RegistryView,
  service: ServiceView,
  active: ActiveDeployView | null,
): TargetSummary {
  const deployed =
    state.deployedDigest && state.deployedImage
      ? {
          tag: state.deployedTag,
          digest: state.deployedDigest,
          image: state.deployedImage,
          deployed_at: state.deployedAt,
        }
      : null;
  const liveImage = service.live_image ?? null;
  const expectedLive = deployed ? digestRef(config.image, deployed.digest) : null;
  return {
    target: target.name,
    kind: target.kind,
    namespace: target.namespace,
    pinned_tag: config.pinnedTag,
    desired_tag: desiredTag(state, config.pinnedTag),
    deployed,
    registry,
    update_available: registry.digest !== null && (deployed === null ? false : registry.digest !== deployed.digest),
    drift: { detected: Boolean(expectedLive && liveImage && liveImage !== expectedLive), live_image: liveImage },
    service,
    active_deploy: active,
  };
}
