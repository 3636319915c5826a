// The `data` of a `Microsoft.ContainerRegistry.ImagePushed` event, as far as elb-control reads it. The envelope is
// parsed by @azure/eventgrid; this checks what is inside, because a sender can leave any field out.
import * as z from 'zod/mini';
import { Digest } from './primitives';

export const ImagePushedData = z.object({
  target: z.object({
    repository: z.string(),
    /** Empty or absent for a digest-only push (nothing to match a target's tag against). */
    tag: z.optional(z.string()),
    digest: Digest,
  }),
  request: z.optional(z.object({ host: z.optional(z.string()) })),
});
