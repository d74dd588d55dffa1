// Properties every rewrite must keep, checked over the corpus and fuzzed inputs.
import { Document } from '../../src/engine/document.js';
import type { OptimizeResult } from '../../src/engine/types.js';

const lines = (text: string) => text.split(/(?<=\n)/);

/**
 * Original lines outside every change's edited spans, in order, byte-identical (line ending included) in the
 * output. Returns the first line that is missing, or null.
 */
export function untouchedLineMissing(before: string, result: OptimizeResult): string | null {
  const touched = new Set<number>();
  for (const c of result.changes) for (const e of c.edited) for (let l = e.start; l <= e.end; l++) touched.add(l);
  const out = lines(result.text.replace(/^\uFEFF/, ''));
  let at = 0;
  const input = lines(before.replace(/^\uFEFF/, ''));
  for (let i = 0; i < input.length; i++) {
    if (touched.has(i + 1)) continue;
    const line = input[i]!;
    // The last line may gain a line ending when text is inserted after it.
    while (at < out.length && out[at] !== line && !(i === input.length - 1 && out[at] === `${line}\n`) && !(i === input.length - 1 && out[at] === `${line}\r\n`)) at++;
    if (at === out.length) return `line ${i + 1}: ${JSON.stringify(line)}`;
    at++;
  }
  return null;
}

/** Every comment of the input is still a comment of the output (as many times). */
export function commentMissing(before: string, after: string): string | null {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const c of new Document(text.replace(/^\uFEFF/, '')).ast.getComments()) m.set(c.getContent(), (m.get(c.getContent()) ?? 0) + 1);
    return m;
  };
  const a = count(after);
  for (const [c, n] of count(before)) if ((a.get(c) ?? 0) < n) return c;
  return null;
}

/**
 * The output is a Dockerfile as good as the input: same stages, every RUN that parsed as shell still parses,
 * every exec-form instruction still valid JSON.
 */
export function parseRegression(before: string, after: string): string | null {
  const b = new Document(before.replace(/^\uFEFF/, ''));
  const a = new Document(after.replace(/^\uFEFF/, ''));
  if (b.stages().length !== a.stages().length) return `stages ${b.stages().length} -> ${a.stages().length}`;
  const bad = (doc: Document) =>
    doc.instructions().filter((i) => i.getKeyword() === 'RUN' && !doc.hasHeredoc(i) && doc.runScript(i)?.hasError).length;
  if (bad(a) > bad(b)) return `RUNs that do not parse as shell: ${bad(b)} -> ${bad(a)}`;
  const exec = (doc: Document) => doc.instructions().filter((i) => doc.argumentsText(i).trim().startsWith('[') && !doc.execForm(i)).length;
  if (exec(a) > exec(b)) return `malformed exec forms: ${exec(b)} -> ${exec(a)}`;
  return null;
}
