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
  cancelled: 130,
} as const;
