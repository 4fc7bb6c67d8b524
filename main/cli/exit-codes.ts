/** Exit codes of `nhi`, stable for scripts. */
export const EXIT = {
  ok: 0,
  /** verify found a hash or count that does not match. */
  verifyFailed: 1,
  usage: 2,
  /** An input could not be read at all. */
  inputError: 3,
  /** The case file is missing, locked, not a case, or too new. */
  caseError: 4,
  /** The import finished but quarantined records or skipped members: see the report. */
  importedWithProblems: 5,
  /** verify could not recompute some hashes because their source files are not here. */
  verifyIncomplete: 6,
  /** An import failed (disk full, out of memory…): the imports row says `failed` with the reason. */
  importFailed: 7,
  /** Source-log integrity failed: a CloudTrail log file or digest was modified, deleted or forged. */
  sourceLogsTampered: 8,
  /** Something unexpected: one line on stderr, the stack with NHI_DEBUG=1. */
  internal: 70,
  cancelled: 130,
} as const;
