// env-key-equals-value: `ENV key value` is the legacy form (BuildKit's LegacyKeyValueFormat check): it cannot set
// several variables and reads differently from every other key=value instruction. `ENV key=value` sets the same
// value: a value that is one shell word is kept as written; a value of several words, which the legacy form takes
// whole, is put in double quotes.
// Refuses a value of several words that holds quotes or the escape character (quoting would change it), and a
// legacy ENV continued over several lines.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import { eachInstruction } from '../src/engine/iterate.js';

type Property = { getName(): string; getAssignmentOperator(): string | null; getNameRange(): Range; getValueRange(): Range | null };
type Range = { start: { line: number; character: number }; end: { line: number; character: number } };

/** True when `raw` has no white space outside quotes, so it is one word for Docker's word processing. */
function isOneWord(raw: string, escapeChar: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === escapeChar && quote !== "'") i++;
    else if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (/\s/.test(c)) return false;
  }
  return quote === null;
}

export const envKeyEqualsValue: BuiltinTransformModule = {
  id: 'env-key-equals-value',
  summary: 'rewrite the legacy `ENV key value` as `ENV key=value`',
  safety: 'safe',
  trigger: { instructions: ['ENV'] },
  apply: (doc) =>
    eachInstruction(doc, 'ENV', (ins, findings) => {
      const props = (ins as unknown as { getProperties(): Property[] }).getProperties();
      const prop = props.length === 1 ? props[0]! : null;
      const valueRange = prop?.getValueRange();
      if (!prop || prop.getAssignmentOperator() !== null || !valueRange) return;
      const line = ins.getRange().start.line;
      if (valueRange.start.line !== valueRange.end.line || ins.getRange().end.line !== line) {
        findings.skip('the legacy ENV is continued over several lines');
        return;
      }
      const raw = doc.slice(valueRange);
      let value: string;
      if (isOneWord(raw, doc.escapeChar)) value = raw;
      else if (!/["']/.test(raw) && !raw.includes(doc.escapeChar)) value = `"${raw}"`;
      else {
        findings.skip(`the value \`${raw}\` mixes spaces with quotes or escapes, which quoting would change`);
        return;
      }
      const start = doc.offsetAt(prop.getNameRange().end);
      findings.change(`write \`ENV ${prop.getName()}=...\``, [{ start, end: doc.offsetAt(valueRange.end), text: `=${value}` }]);
    }),
};
