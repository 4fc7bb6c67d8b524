import { type BuiltinRule, CORE_RULES } from './builtin-rules';
import { TECHNIQUE_RULES } from './technique-rules';

/** Every built-in rule: volume, baseline, credential and integrity rules, then the technique families. */
export const BUILTIN_RULES: readonly BuiltinRule[] = [...CORE_RULES, ...TECHNIQUE_RULES];
