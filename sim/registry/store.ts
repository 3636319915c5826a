// Repositories, tags and image manifests. A digest is the sha256 of the stored manifest bytes, as in a real
// registry, so the manifest a client fetches always verifies against its digest.
import { createHash, randomBytes } from 'node:crypto';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/**
 * A defect built into an image, as a user trying the product would push a broken build: pods of it crash-loop
 * (the process exits at start), or cannot be pulled (the manifest names a layer blob the registry does not have).
 */
export const IMAGE_DEFECTS = ['crash_loop', 'image_pull'] as const;
export type ImageDefect = (typeof IMAGE_DEFECTS)[number];

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  /** The manifest JSON exactly as served. */
  content: string;
  configDigest: string;
  config: string;
  imageSize: number;
  createdTime: string;
  lastUpdateTime: string;
  architecture: string;
  os: string;
  /** The tag this image was built and first pushed as; a real image carries it as its version label. */
  buildTag: string;
  /** Set on a deliberately broken build (absent on a good one). */
  defect?: ImageDefect;
}

export interface TagRecord {
  name: string;
  digest: string;
  createdTime: string;
  lastUpdateTime: string;
}

export interface RepositoryRecord {
  name: string;
  createdTime: string;
  lastUpdateTime: string;
  manifests: Record<string, ManifestRecord>;
  tags: Record<string, TagRecord>;
}

export interface RegistrySnapshot {
  repositories: RepositoryRecord[];
}

export const REPOSITORY_NAME = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
export const TAG_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** Builds an OCI image (config + manifest) for `repo:tag`; `nonce` makes a rebuild of the same tag a new digest. */
export function buildImage(
  repo: string,
  tag: string,
  created: string,
  nonce: string,
  defect?: ImageDefect,
): ManifestRecord {
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created,
    config: {
      Labels: {
        'org.opencontainers.image.title': repo,
        'org.opencontainers.image.version': tag,
        'elb-sim.build': nonce,
        ...(defect ? { 'elb-sim.defect': defect } : {}),
      },
      ExposedPorts: { '8080/tcp': {} },
    },
    rootfs: { type: 'layers', diff_ids: [sha256(`${repo}:${tag}:${nonce}:rootfs`)] },
  });
  const layerSize =
    30_000_000 +
    (parseInt(
      createHash('sha256')
        .update(nonce + tag)
        .digest('hex')
        .slice(0, 6),
      16,
    ) %
      5_000_000);
  const content = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: sha256(config), size: Buffer.byteLength(config) },
    layers: [{ mediaType: OCI_LAYER, digest: sha256(`${repo}:${tag}:${nonce}:layer`), size: layerSize }],
    annotations: { 'org.opencontainers.image.created': created, 'org.opencontainers.image.version': tag },
  });
  return {
    digest: sha256(content),
    mediaType: OCI_MANIFEST,
    content,
    configDigest: sha256(config),
    config,
    imageSize: Buffer.byteLength(content) + Buffer.byteLength(config) + layerSize,
    createdTime: created,
    lastUpdateTime: created,
    architecture: 'amd64',
    os: 'linux',
    buildTag: tag,
    ...(defect ? { defect } : {}),
  };
}

/** The digest of an image's (first) layer, which a pull fetches after the manifest. */
export function layerDigestOf(m: ManifestRecord): string | undefined {
  try {
    return (JSON.parse(m.content) as { layers?: { digest?: string }[] }).layers?.[0]?.digest;
  } catch {
    return undefined;
  }
}

export class RegistryStore {
  private repos = new Map<string, RepositoryRecord>();
  private readonly listeners = new Set<() => void>();

  /** The images a fresh sim starts with; fixed build times make their digests the same on every fresh start. */
  preload(): void {
    this.put('elb-openapi', '3.3', buildImage('elb-openapi', '3.3', '2025-01-15T09:00:00.000Z', 'preload'));
    this.put('elb-openapi', '3.4', buildImage('elb-openapi', '3.4', '2025-03-01T09:00:00.000Z', 'preload'));
  }

  /** A new build of `repo:tag` (broken when `defect` is given): always a new digest; the tag moves to it. */
  push(repo: string, tag: string, defect?: ImageDefect): ManifestRecord {
    const created = new Date().toISOString();
    const image = buildImage(repo, tag, created, randomBytes(8).toString('hex'), defect);
    this.put(repo, tag, image);
    return image;
  }

  private put(repo: string, tag: string, image: ManifestRecord): void {
    let r = this.repos.get(repo);
    if (!r) {
      r = { name: repo, createdTime: image.createdTime, lastUpdateTime: image.createdTime, manifests: {}, tags: {} };
      this.repos.set(repo, r);
    }
    r.manifests[image.digest] = image;
    const prev = r.tags[tag];
    r.tags[tag] = {
      name: tag,
      digest: image.digest,
      createdTime: prev?.createdTime ?? image.createdTime,
      lastUpdateTime: image.createdTime,
    };
    r.lastUpdateTime = image.createdTime;
    for (const l of this.listeners) l();
  }

  repositories(): string[] {
    return [...this.repos.keys()].sort();
  }

  repository(name: string): RepositoryRecord | undefined {
    return this.repos.get(name);
  }

  /** The manifest for `reference` (a tag or a digest) in `repo`. */
  resolve(repo: string, reference: string): ManifestRecord | undefined {
    const r = this.repos.get(repo);
    if (!r) return undefined;
    if (DIGEST.test(reference)) return r.manifests[reference];
    const tag = r.tags[reference];
    return tag ? r.manifests[tag.digest] : undefined;
  }

  tagsOf(repo: string, digest: string): string[] {
    const r = this.repos.get(repo);
    if (!r) return [];
    return Object.values(r.tags)
      .filter((t) => t.digest === digest)
      .map((t) => t.name)
      .sort();
  }

  /** Finds a blob (an image config) by digest in a repository. */
  blob(repo: string, digest: string): string | undefined {
    const r = this.repos.get(repo);
    if (!r) return undefined;
    for (const m of Object.values(r.manifests)) if (m.configDigest === digest) return m.config;
    return undefined;
  }

  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  snapshot(): RegistrySnapshot {
    return { repositories: [...this.repos.values()].map((r) => structuredClone(r)) };
  }

  restore(s: RegistrySnapshot): void {
    this.repos = new Map(s.repositories.map((r) => [r.name, structuredClone(r)]));
  }
}
