// Resolving a pod's image reference the way a kubelet pulls it: images named by this registry's address (or its
// configured host name) are looked up in the sim registry; anything else is treated as a public image that exists.
import { createHash } from 'node:crypto';
import { layerDigestOf, type ImageDefect, type ManifestRecord, type RegistryStore } from './store';

export interface ImageRef {
  /** Registry host as written (`docker.io` when the reference names none). */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export type PullResult =
  | { ok: true; imageID: string; digest: string; tags: string[]; local: boolean }
  | { ok: false; reason: 'not_found' | 'invalid' | 'broken'; message: string };

/** Splits `host[:port]/repo[:tag][@sha256:…]` as container runtimes do. */
export function parseImageRef(image: string): ImageRef | undefined {
  if (!image || /\s/.test(image)) return undefined;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return undefined;
  }
  let host = 'docker.io';
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      host = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(rest)) return undefined;
  if (host === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  const ref: ImageRef = { host, repository: rest };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = 'latest';
  return ref;
}

export class ImageResolver {
  constructor(
    private readonly store: RegistryStore,
    /** Every host name that means this registry (`127.0.0.1:5001`, `localhost:5001`, `elbacr01.azurecr.io`). */
    private readonly hosts: () => string[],
  ) {}

  isLocal(ref: ImageRef): boolean {
    return this.hosts().includes(ref.host.toLowerCase());
  }

  pull(image: string): PullResult {
    const ref = parseImageRef(image);
    if (!ref) return { ok: false, reason: 'invalid', message: `invalid reference format: "${image}"` };
    if (!this.isLocal(ref)) {
      // Outside the sim registry: a public image that exists, with a digest stable for its reference.
      const digest =
        ref.digest ?? `sha256:${createHash('sha256').update(`${ref.host}/${ref.repository}:${ref.tag}`).digest('hex')}`;
      return {
        ok: true,
        imageID: `${ref.host}/${ref.repository}@${digest}`,
        digest,
        tags: ref.tag ? [ref.tag] : [],
        local: false,
      };
    }
    const reference = ref.digest ?? ref.tag!;
    const m = this.store.resolve(ref.repository, reference);
    if (m?.defect === 'image_pull') {
      // The manifest resolves, but the layer it names is missing: the runtime fails while fetching blobs.
      return {
        ok: false,
        reason: 'broken',
        message: `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to copy: httpReadSeeker: failed open: content at https://${ref.host}/v2/${ref.repository}/blobs/${layerDigestOf(m) ?? m.digest} not found: not found`,
      };
    }
    if (!m) {
      return {
        ok: false,
        reason: 'not_found',
        message: `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${ref.host}/${ref.repository}:${reference}: not found`,
      };
    }
    return {
      ok: true,
      imageID: `${ref.host}/${ref.repository}@${m.digest}`,
      digest: m.digest,
      tags: this.store.tagsOf(ref.repository, m.digest),
      local: true,
    };
  }

  /** The manifest an image reference names in this registry (whatever its defects), if any. */
  private locate(image: string): ManifestRecord | undefined {
    const ref = parseImageRef(image);
    if (!ref || !this.isLocal(ref)) return undefined;
    return this.store.resolve(ref.repository, ref.digest ?? ref.tag!);
  }

  /** The defect built into an image of this registry (a broken push), if any. */
  defectOf(image: string): ImageDefect | undefined {
    return this.locate(image)?.defect;
  }

  /** The tag the image with `digest` was built as (its version label), when it is in this registry. */
  buildTagOf(image: string, digest: string): string | undefined {
    const ref = parseImageRef(image);
    return ref && this.isLocal(ref) ? this.store.resolve(ref.repository, digest)?.buildTag : undefined;
  }

  /** Whether a fault's image pattern (`repo`, `repo:tag`, `repo@digest`, `sha256:…`, optionally with a host) names this image. */
  matches(pattern: string, image: string): boolean {
    const target = parseImageRef(image);
    if (!target) return false;
    const pulled = this.pull(image);
    const digest = target.digest ?? (pulled.ok ? pulled.digest : this.locate(image)?.digest);
    if (/^sha256:[a-f0-9]{64}$/.test(pattern)) return digest === pattern;
    const p = parseImageRef(pattern.includes('/') || pattern.includes('.') ? pattern : pattern);
    if (!p) return false;
    const patternHasHost =
      pattern.split('/').length > 1 && (pattern.split('/')[0]!.includes('.') || pattern.split('/')[0]!.includes(':'));
    if (
      patternHasHost &&
      p.host.toLowerCase() !== target.host.toLowerCase() &&
      !(this.isLocal(p) && this.isLocal(target))
    )
      return false;
    const stripLibrary = (r: string): string => r.replace(/^library\//, '');
    if (stripLibrary(p.repository) !== stripLibrary(target.repository)) return false;
    if (p.digest) return digest === p.digest;
    const explicitTag = /:[^/]+$/.test(pattern.split('@')[0]!);
    if (!explicitTag) return true;
    if (target.tag === p.tag) return true;
    // A tag also names the digest it points to now, so deploy-by-digest pods match `repo:tag` faults.
    if (this.isLocal(target)) {
      const tagged = this.store.resolve(target.repository, p.tag!);
      return !!tagged && tagged.digest === digest;
    }
    return false;
  }
}
