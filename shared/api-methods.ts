/**
 * The API's method names and IPC channels, with no dependencies: the sandboxed preload script
 * can only bundle plain code like this (see shared/api.ts for the requests and answers).
 */
export const API_METHODS = [
  'app.version',
  'case.info',
  'case.open',
  'case.create',
  'case.upgrade',
  'case.integrity',
  'cases.recent',
  'evidence.list',
  'quarantine.list',
  'import.start',
  'import.status',
  'import.cancel',
  'dialog.openCase',
  'dialog.newCase',
  'dialog.pickEvidence',
  'findings.list',
  'incidents.list',
  'detect.run',
  'detect.rules',
  'journal.add',
  'journal.list',
  'report.save',
  'events.export',
  'graph.query',
  'graph.path',
  'graph.touchers',
  'timeline.histogram',
  'views.save',
  'views.list',
  'identities.page',
  'sql.query',
  'events.query',
  'events.count',
  'events.values',
  'event.detail',
  'identity.profile',
  'identity.access',
  'identity.override',
  'identity.alias',
] as const;
export type ApiMethod = (typeof API_METHODS)[number];

export const isApiMethod = (name: unknown): name is ApiMethod => typeof name === 'string' && (API_METHODS as readonly string[]).includes(name);

/** The IPC channel of a method. */
export const channelOf = (method: ApiMethod) => `nhi:${method}`;
