// Names of the deploy activities, shared by their registrations (functions/) and the orchestrator.
export const ACTIVITY = {
  resolveImage: 'deployResolveImage',
  setupWorkloadIdentity: 'deploySetupWorkloadIdentity',
  applyManifests: 'deployApplyManifests',
  checkRollout: 'deployCheckRollout',
  checkExternalIp: 'deployCheckExternalIp',
  verifyService: 'deployVerifyService',
  inspectCluster: 'deployInspectCluster',
  finish: 'deployFinish',
} as const;
