metadata name = 'elb-control shared types'
metadata description = 'User-defined types shared by main.bicep and the modules.'

@export()
@description('Resource tags.')
type resourceTagsType = {
  *: string
}

@export()
@description('A user-assigned managed identity as the other modules need it.')
type identityType = {
  @description('Required. Resource id of the identity.')
  resourceId: string

  @description('Required. Object (principal) id of the identity, for role assignments.')
  principalId: string

  @description('Required. Client (application) id of the identity, for AZURE_CLIENT_ID and the like.')
  clientId: string
}

@export()
@description('One AKS cluster elb-control deploys elb-openapi to.')
type aksTargetType = {
  @description('Required. Target name used by the API and the dashboard (letters, digits and dashes).')
  @minLength(1)
  @maxLength(63)
  name: string

  @description('Optional. Subscription id of the cluster. Defaults to the subscription of this deployment.')
  subscriptionId: string?

  @description('Required. Resource group of the cluster. The workload identity of elb-openapi is created here too.')
  resourceGroup: string

  @description('Required. Name of the AKS cluster (Entra ID integration with Azure RBAC for Kubernetes authorization enabled).')
  clusterName: string

  @description('Optional. Kubernetes namespace of elb-openapi. Defaults to elb-openapi.')
  namespace: string?

  @description('Optional. Resource id of the storage account the elb-openapi workload uses for BLAST data; its workload identity may then be granted Storage Blob Data Contributor there, and nothing else.')
  workloadStorageAccountResourceId: string?

  @description('Optional. Update policy of the target (docs/policies.md); the app checks it when it loads its settings. Absent: follow the pinned tag and deploy pushes at once.')
  policy: updatePolicyType?
}

@export()
@description('How newer images reach a target (docs/policies.md). Each field is optional; the app fills in its defaults.')
type updatePolicyType = {
  @description('Optional. auto: deploy at once (inside the window); approve: wait for a deployer; manual: only tell (app default auto).')
  mode: ('auto' | 'approve' | 'manual')?

  @description('Optional. Follow one tag ({"tag": "3.4"}) or the newest tag in a semver range ({"range": "~3.4"}); exactly one of the two.')
  track: {
    tag: string?
    range: string?
  }?

  @description('Optional. Hours an update waits for a decision before it ends expired (app default 24).')
  @minValue(1)
  @maxValue(720)
  approvalTimeoutHours: int?

  @description('Optional. When automatic and approved updates may run.')
  window: {
    @description('Required. Days the window opens: mon, tue, wed, thu, fri, sat, sun.')
    days: string[]
    @description('Required. Opening time HH:MM.')
    start: string
    @description('Required. Closing time HH:MM (not after the start: the next day).')
    end: string
    @description('Required. IANA time zone, e.g. Europe/Stockholm.')
    timeZone: string
  }?

  @description('Optional. correct: redeploy what elb-control deployed when the cluster runs something else; notify: only report it (app default notify).')
  drift: ('correct' | 'notify')?
}

@export()
@description('One group of a wave across targets (ELB_WAVES, docs/policies.md "Waves").')
type waveGroupType = {
  @description('Required. Group name (lowercase letters, digits and dashes).')
  name: string

  @description('Required. Names of the targets in this group.')
  @minLength(1)
  targets: string[]

  @description('Optional. Seconds the group\'s services must stay healthy before the next group starts (app default 300).')
  @minValue(0)
  @maxValue(86400)
  soakSeconds: int?
}

@export()
@description('Deploy timings and limits of the Function App (docs/deploy.md). Each is optional: unset keeps the app\'s default, which is meant for production. The bounds are the app\'s own (ELB_CHECK_POLL_MS: a floor of 100 ms added here).')
type deployTuningType = {
  @description('Optional. Durable timer between two rollout checks, in seconds (app default 5).')
  @minValue(0)
  @maxValue(300)
  ELB_POLL_INTERVAL_SECONDS: int?

  @description('Optional. Longest one check activity watches, in seconds (app default 90).')
  @minValue(1)
  @maxValue(600)
  ELB_WATCH_SECONDS: int?

  @description('Optional. Poll interval inside a check activity, in milliseconds (app default 1000).')
  @minValue(100)
  @maxValue(60000)
  ELB_CHECK_POLL_MS: int?

  @description('Optional. Deadline of the rollout, in seconds (app default 600).')
  @minValue(1)
  @maxValue(7200)
  ELB_ROLLOUT_TIMEOUT_SECONDS: int?

  @description('Optional. Deadline for the Service\'s address, in seconds (app default 300).')
  @minValue(1)
  @maxValue(7200)
  ELB_EXTERNAL_IP_TIMEOUT_SECONDS: int?

  @description('Optional. Deadline of the service checks, in seconds (app default 120).')
  @minValue(1)
  @maxValue(3600)
  ELB_VERIFY_TIMEOUT_SECONDS: int?

  @description('Optional. Timeout of one kubectl apply through the exec server, in seconds (app default 120).')
  @minValue(5)
  @maxValue(1800)
  ELB_EXEC_TIMEOUT_SECONDS: int?

  @description('Optional. A deploy Pending longer than this many seconds is reported stuck (app default 60).')
  @minValue(5)
  @maxValue(86400)
  ELB_PENDING_WARN_SECONDS: int?

  @description('Optional. Deploy records kept per target (app default 50).')
  @minValue(1)
  @maxValue(1000)
  ELB_HISTORY_LIMIT: int?

  @description('Optional. How long a deploy retries an exec server or cluster API that does not answer before the phase fails, in seconds (app default 30).')
  @minValue(0)
  @maxValue(600)
  ELB_DEPENDENCY_RETRY_SECONDS: int?

  @description('Optional. When the reconcile timer runs: six NCRONTAB fields with seconds (UTC), or hh:mm:ss (app default 0 */10 * * * *, every 10 minutes; docs/policies.md "Reconcile and drift").')
  @minLength(8)
  @maxLength(100)
  ELB_RECONCILE_SCHEDULE: string?
}

@export()
@description('Where Rebuild & Deploy builds elb-openapi from (docs/deploy.md#rebuild--deploy).')
type buildSourceType = {
  @description('Public https git URL ending in .git; empty: Rebuild & Deploy is off.')
  url: string
  @description('A tag or commit of that repository (not a branch: a build must be repeatable).')
  ref: string
  @description('Folder of the repository that is the Docker build context.')
  context: string
  @description('Dockerfile path inside the context.')
  dockerfile: string
}
