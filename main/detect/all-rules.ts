import { type BuiltinRule, CORE_RULES } from './builtin-rules';
import { TECHNIQUE_RULES } from './technique-rules';
import { ACCESS_RULES } from './access-rules';

/** Every built-in rule: volume, baseline, credential and integrity rules, the way in, then the technique families. */
export const BUILTIN_RULES: readonly BuiltinRule[] = [...CORE_RULES, ...ACCESS_RULES, ...TECHNIQUE_RULES];
