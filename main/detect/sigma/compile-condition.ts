import { Unsupported } from './compile-value';
import { joinParts } from './join-parts';

/**
 * A Sigma `condition` (and, or, not, parentheses, `1 of x*`, `all of x*`, `them`) into SQL over
 * the compiled search identifiers, with Sigma's precedence: not binds tighter than and, and
 * tighter than or. Aggregations (`| count() …`) and `near` are refused, never half-applied.
 */

type Token = { kind: 'word' | 'lparen' | 'rparen'; text: string };

function tokenize(condition: string): Token[] {
  if (condition.includes('|')) throw new Unsupported(`an aggregation in the condition (${condition.slice(condition.indexOf('|')).trim()})`);
  const tokens: Token[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(condition)) !== null) {
    const text = m[1]!;
    tokens.push({ kind: text === '(' ? 'lparen' : text === ')' ? 'rparen' : 'word', text });
  }
  return tokens;
}

export function compileCondition(condition: string, searches: Map<string, string>): string {
  const tokens = tokenize(condition);
  let at = 0;
  const peek = () => tokens[at];
  const word = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toLowerCase() === w;

  const matching = (pattern: string): string[] => {
    if (pattern === 'them') return [...searches.keys()];
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const names = [...searches.keys()].filter((n) => re.test(n));
    if (names.length === 0) throw new Unsupported(`"${pattern}" names no search in the detection`);
    return names;
  };

  function orExpr(): string {
    const parts = [andExpr()];
    while (word(peek(), 'or')) {
      at++;
      parts.push(andExpr());
    }
    return joinParts(parts, 'OR');
  }
  function andExpr(): string {
    const parts = [notExpr()];
    while (word(peek(), 'and')) {
      at++;
      parts.push(notExpr());
    }
    return joinParts(parts, 'AND');
  }
  function notExpr(): string {
    if (word(peek(), 'not')) {
      at++;
      // A field that is absent makes its search NULL; NOT NULL must still count as "not matched".
      return `(NOT coalesce(${notExpr()}, false))`;
    }
    return atom();
  }
  function atom(): string {
    const t = peek();
    if (!t) throw new Unsupported('a condition that ends too early');
    if (t.kind === 'lparen') {
      at++;
      const inner = orExpr();
      if (peek()?.kind !== 'rparen') throw new Unsupported('unbalanced parentheses in the condition');
      at++;
      return inner;
    }
    if (t.kind === 'rparen') throw new Unsupported('unbalanced parentheses in the condition');
    if (t.text === '1' || word(t, 'all') || /^\d+$/.test(t.text)) {
      const quantifier = t.text.toLowerCase();
      if (quantifier !== '1' && quantifier !== 'all') throw new Unsupported(`"${t.text} of" (only "1 of" and "all of")`);
      if (!word(tokens[at + 1], 'of') || !tokens[at + 2] || tokens[at + 2]!.kind !== 'word') throw new Unsupported(`"${t.text}" without "of NAME"`);
      const names = matching(tokens[at + 2]!.text);
      at += 3;
      const parts = names.map((n) => searches.get(n)!);
      return joinParts(parts, quantifier === 'all' ? 'AND' : 'OR');
    }
    if (['and', 'or', 'of', 'near'].includes(t.text.toLowerCase())) throw new Unsupported(`"${t.text}" where a search name belongs`);
    const search = searches.get(t.text);
    if (search === undefined) throw new Unsupported(`the condition names "${t.text}", which the detection does not define`);
    at++;
    // NULL (an absent field) counts as no match in WHERE; only NOT needs it made false first.
    // Left bare, DuckDB can order the conjunction's terms by cost and skip the JSON parsing.
    return search;
  }

  const sql = orExpr();
  if (at !== tokens.length) throw new Unsupported(`trailing "${tokens.slice(at).map((x) => x.text).join(' ')}" in the condition`);
  return sql;
}
