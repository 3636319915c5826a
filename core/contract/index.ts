// The API's shapes, declared once (docs/contracts.md "One schema per shape"): the server validates with them, the
// dashboard parses with them, the OpenAPI document is generated from them. zod/mini keeps the dashboard small.
// Server-only shapes are imported from their own files (settings.ts, event-grid.ts, routes.ts), so the dashboard's
// bundle never carries them.
export * from './primitives';
export * from './deploy';
export * from './history';
export * from './summary';
export * from './monitor';
export * from './requests';
export * from './token';
export * from './update';
export * from './reconcile';
export { describeIssue, issueText, pathText } from './issues';
