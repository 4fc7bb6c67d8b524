export { compileSigmaRule, isCompiled, loadSigmaRules } from './compile-rule';
