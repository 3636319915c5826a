// The stand-in elb-openapi service's own OpenAPI document: a representative ElasticBLAST job API whose
// info.version follows the image the serving pod runs.

/** `3.4` → `3.4.0`; `3.4.1` stays; other tags are used as they are; a bare digest gives `0.0.0+<short digest>`. */
export function versionFor(tags: string[], digest: string | undefined): string {
  const numeric = tags.filter((t) => /^\d+(\.\d+){0,2}$/.test(t)).sort(compareVersions);
  const best = numeric[numeric.length - 1];
  if (best) {
    const parts = best.split('.');
    while (parts.length < 3) parts.push('0');
    return parts.join('.');
  }
  if (tags.length > 0) return [...tags].sort()[0]!;
  return `0.0.0+${(digest ?? 'sha256:unknown').replace('sha256:', '').slice(0, 12)}`;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const JOB = {
  type: 'object',
  required: ['job_id', 'status'],
  properties: {
    job_id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
    program: { type: 'string', enum: ['blastn', 'blastp', 'blastx', 'tblastn', 'tblastx'] },
    database: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
  },
};

export function openApiDocument(version: string, image: string): Record<string, unknown> {
  const major = Number(version.split('.')[0]) || 0;
  const minor = Number(version.split('.')[1]) || 0;
  const paths: Record<string, unknown> = {
    '/healthz': {
      get: {
        tags: ['health'],
        summary: 'Liveness probe',
        operationId: 'healthz',
        responses: { '200': { description: 'Service is healthy' } },
      },
    },
    '/v1/jobs': {
      get: {
        tags: ['jobs'],
        summary: 'List BLAST jobs',
        operationId: 'listJobs',
        responses: {
          '200': {
            description: 'Jobs',
            content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Job' } } } },
          },
        },
      },
      post: {
        tags: ['jobs'],
        summary: 'Submit a BLAST search',
        operationId: 'submitJob',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/JobRequest' } } },
        },
        responses: {
          '202': {
            description: 'Accepted',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } },
          },
        },
      },
    },
    '/v1/jobs/{job_id}': {
      get: {
        tags: ['jobs'],
        summary: 'Get a job',
        operationId: 'getJob',
        parameters: [{ name: 'job_id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'Job' }, '404': { description: 'Unknown job' } },
      },
      delete: {
        tags: ['jobs'],
        summary: 'Cancel a job',
        operationId: 'cancelJob',
        parameters: [{ name: 'job_id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '202': { description: 'Cancellation requested' } },
      },
    },
    '/v1/databases': {
      get: {
        tags: ['databases'],
        summary: 'List BLAST databases',
        operationId: 'listDatabases',
        responses: { '200': { description: 'Databases' } },
      },
    },
  };
  if (major > 3 || (major === 3 && minor >= 4)) {
    paths['/v1/jobs/{job_id}/results'] = {
      get: {
        tags: ['jobs'],
        summary: 'Download job results',
        operationId: 'getJobResults',
        parameters: [{ name: 'job_id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'Result archive URL' } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ElasticBLAST OpenAPI',
      version,
      description: 'Stand-in elb-openapi served by elb-sim.',
      'x-image': image,
    },
    paths,
    components: {
      schemas: {
        Job: JOB,
        JobRequest: {
          type: 'object',
          required: ['program', 'database', 'queries'],
          properties: {
            program: { type: 'string' },
            database: { type: 'string' },
            queries: { type: 'string', description: 'Query FASTA URL' },
          },
        },
      },
    },
  };
}
