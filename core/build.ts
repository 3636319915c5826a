// Rebuild & Deploy, without I/O (docs/deploy.md#rebuild--deploy): what ACR Tasks is asked to build, and how a run's
// state reads. The run request is a Docker build of elb-openapi from a pinned git ref, pushed as the pinned tag.
import { DomainError } from './errors';

/** Where the image is built from: the settings ELB_BUILD_*. */
export interface BuildSource {
  /** https git URL (public: no credentials are ever put in it). */
  url: string;
  /** A tag or a commit: a branch would build whatever it points to that day. */
  ref: string;
  /** Folder of the repository that is the Docker build context. */
  context: string;
  /** Dockerfile path inside the context. */
  dockerfile: string;
  timeoutSeconds: number;
}

/** The `DockerBuildRequest` of `registries.scheduleRun`: one image, `repository:tag`, pushed when built. */
export function dockerBuildRequest(source: BuildSource, repository: string, tag: string) {
  return {
    type: 'DockerBuildRequest' as const,
    sourceLocation: `${source.url}#${source.ref}:${source.context}`,
    dockerFilePath: source.dockerfile,
    imageNames: [`${repository}:${tag}`],
    isPushEnabled: true,
    noCache: false,
    platform: { os: 'Linux' as const, architecture: 'amd64' as const },
    timeout: source.timeoutSeconds,
  };
}

/** ACR Tasks run states (RunStatus): still going, or ended one way or another. */
const RUNNING = new Set(['Queued', 'Started', 'Running']);
export type BuildState = 'running' | 'succeeded' | 'failed';

export function buildState(status: string | undefined): BuildState {
  if (status === 'Succeeded') return 'succeeded';
  return status !== undefined && RUNNING.has(status) ? 'running' : 'failed';
}

/** What a finished run built: the digest pushed for `repository:tag`, from the run's own output images. */
export function builtDigest(
  outputImages: readonly { repository?: string; tag?: string; digest?: string }[] | undefined,
  repository: string,
  tag: string,
): string {
  const image = (outputImages ?? []).find((i) => i.repository === repository && i.tag === tag);
  if (!image?.digest || !/^sha256:[0-9a-f]{64}$/.test(image.digest)) {
    throw new DomainError(
      'build_output_missing',
      `the build succeeded but reports no digest for ${repository}:${tag}`,
      502,
    );
  }
  return image.digest;
}
