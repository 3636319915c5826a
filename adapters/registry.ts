// Registry data plane through @azure/container-registry: tag → digest and the repository's tags. In Azure it
// authenticates with the app's identity; against a loopback http registry (the sim) it is anonymous. The SDK is loaded
// when the first client is built, not when the app loads (docs/decisions/0002-function-app-bundle.md).
import type { ContainerRegistryClient } from '@azure/container-registry';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DomainError } from '../core/errors';
import { isLoopbackHttpUrl } from '../core/loopback';
import { tagListOrder } from '../core/tags';
import { azureCredential } from './credentials';
import { boundedClientOptions } from './request-timeout';

export interface RegistryTags {
  /** tag → digest */
  digests: Record<string, string>;
  tags: string[];
}

/** @azure/container-registry, loaded on first use; typed as its CommonJS build (why: adapters/tables.ts). */
const loadSdk = () =>
  import('@azure/container-registry') as unknown as Promise<typeof import('@azure/container-registry')>;

/** Allows plain http on a loopback endpoint only (the local registry). */
const loopbackHttpPolicy: PipelinePolicy = {
  name: 'elbLoopbackHttp',
  sendRequest(request, next) {
    request.allowInsecureConnection = true;
    return next(request);
  },
};

type WithPipeline = {
  client?: { pipeline?: { removePolicy(o: { name: string }): unknown; addPolicy(p: PipelinePolicy): void } };
};

/**
 * @param maxRetries the SDK's retries of a failed request (its default: 3, with backoff — seconds of waiting
 *   when the registry is down); read models that must answer quickly pass fewer.
 */
export function createRegistryClient(endpoint: string, maxRetries?: number): Promise<ContainerRegistryClient> {
  const https = endpoint.startsWith('https://');
  // Checked at once (a bad setting throws here, when the adapter is built); the client follows once the SDK is loaded.
  if (!https && !isLoopbackHttpUrl(endpoint, { originOnly: true })) {
    throw new DomainError('invalid_settings', 'a plain-http registry endpoint must be on loopback', 500);
  }
  // Every try bounded (adapters/request-timeout.ts); a caller may retry less than the bounded default.
  const bounded = boundedClientOptions();
  const options = {
    audience: 'https://containerregistry.azure.net',
    ...bounded,
    retryOptions: maxRetries === undefined ? bounded.retryOptions : { ...bounded.retryOptions, maxRetries },
  };
  return loadSdk().then(({ ContainerRegistryClient }) => {
    if (https) return new ContainerRegistryClient(endpoint, azureCredential(), options);
    // Anonymous over http: the SDK's bearer policy refuses non-TLS URLs outright, and anonymous access needs no
    // token, so it is removed from this client's pipeline (@azure/container-registry is pinned; see
    // sim/test/registry.test.ts).
    const client = new ContainerRegistryClient(endpoint, options);
    const pipeline = (client as unknown as WithPipeline).client?.pipeline;
    if (!pipeline) throw new Error('unexpected @azure/container-registry internals: no pipeline');
    pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
    pipeline.addPolicy(loopbackHttpPolicy);
    return client;
  });
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

function unavailable(err: unknown): DomainError {
  const status = statusOf(err);
  const reason = status ? `HTTP ${status}` : ((err as { code?: string })?.code ?? 'unreachable');
  return new DomainError('registry_unavailable', `the registry could not be read (${reason})`, 503);
}

export class RegistryReader {
  private readonly client: Promise<ContainerRegistryClient>;

  /** CLIENT may still be being built (createRegistryClient loads the SDK): its failure (invalid settings) surfaces in
   * the call that awaits it, as it is, never as an unhandled rejection. */
  constructor(client: ContainerRegistryClient | Promise<ContainerRegistryClient>) {
    this.client = Promise.resolve(client);
    this.client.catch(() => undefined);
  }

  /** The digest a tag points at now; `image_not_found` when the tag (or repository) does not exist. */
  async resolveTag(repository: string, tag: string): Promise<string> {
    const client = await this.client;
    try {
      const props = await client.getArtifact(repository, tag).getManifestProperties();
      return props.digest;
    } catch (err) {
      if (statusOf(err) === 404) {
        throw new DomainError('image_not_found', `${repository}:${tag} is not in the registry`, 404);
      }
      throw unavailable(err);
    }
  }

  /** Whether a digest exists in the repository. */
  async hasDigest(repository: string, digest: string): Promise<boolean> {
    const client = await this.client;
    try {
      await client.getArtifact(repository, digest).getManifestProperties();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw unavailable(err);
    }
  }

  async listTags(repository: string): Promise<RegistryTags> {
    const digests: Record<string, string> = {};
    const client = await this.client;
    try {
      for await (const manifest of client.getRepository(repository).listManifestProperties()) {
        for (const tag of manifest.tags ?? []) digests[tag] = manifest.digest;
      }
    } catch (err) {
      if (statusOf(err) === 404) return { digests: {}, tags: [] };
      throw unavailable(err);
    }
    const tags = Object.keys(digests).sort(tagListOrder);
    return { digests, tags };
  }
}
