// The waves (docs/policies.md "Waves", docs/api.md#waves): the running and recent waves with their picture, and a
// deployer's cancel, which stops a wave before its next group.
import { WAVE_ID } from '../core/contract/waves';
import { DomainError } from '../core/errors';
import { cancelWave, listWaves } from '../services/waves';
import { httpRoute, json } from './lib/http';

httpRoute('waves', {
  GET: async (_req, _caller, client) => json(200, { waves: await listWaves(client) }),
});

httpRoute('waveCancel', {
  POST: async (req, caller, client) => {
    const id = req.params.id ?? '';
    if (!WAVE_ID.test(id)) throw new DomainError('invalid_wave_id', 'the wave id must be wave-<20 hex digits>', 400);
    await cancelWave(client, id, caller.name);
    return json(202, { wave_id: id, cancel_requested: true });
  },
});
