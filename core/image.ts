// Image references. Deploys always name an image by digest so that a rebuilt tag is a real update and a restarted
// pod can never pull something else.
import { DomainError } from './errors';

export interface ImageRepository {
  /** Registry host as it appears in image references, e.g. `elbacr01.azurecr.io` or `127.0.0.1:5001`. */
  registry: string;
  /** Repository path inside the registry, e.g. `elb-openapi`. */
  repository: string;
}

const HOST = /^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(:[0-9]{1,5})?$/;
const REPO = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isValidDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

export function parseImageRepository(value: string): ImageRepository {
  const slash = value.indexOf('/');
  if (slash <= 0) throw new DomainError('invalid_image', 'ELB_OPENAPI_IMAGE must look like host/repository', 500);
  const registry = value.slice(0, slash);
  const repository = value.slice(slash + 1);
  if (!HOST.test(registry) || !REPO.test(repository)) {
    throw new DomainError('invalid_image', 'ELB_OPENAPI_IMAGE must look like host/repository', 500);
  }
  return { registry, repository };
}

export function imageName(repo: ImageRepository): string {
  return `${repo.registry}/${repo.repository}`;
}

export function digestRef(repo: ImageRepository, digest: string): string {
  if (!isValidDigest(digest)) throw new DomainError('invalid_digest', 'digest must be sha256:<64 hex>', 400);
  return `${imageName(repo)}@${digest}`;
}

/** The digest part of `repo@sha256:…` (or of a pod's imageID such as `docker-pullable://repo@sha256:…`). */
export function digestOf(ref: string | undefined | null): string | null {
  if (!ref) return null;
  const at = ref.lastIndexOf('@');
  if (at < 0) return null;
  const d = ref.slice(at + 1);
  return isValidDigest(d) ? d : null;
}

/** Default data-plane endpoint of a registry host: https unless configured otherwise. */
export function registryEndpoint(repo: ImageRepository, configured: string | undefined): string {
  return (configured && configured.length > 0 ? configured : `https://${repo.registry}`).replace(/\/+$/, '');
}
