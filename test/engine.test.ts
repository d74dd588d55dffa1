// The engine's fixpoint: transforms run until a pass changes nothing, and a transform is not run again on a
// document it has already seen.
import { describe, expect, it } from 'vitest';
import { MAX_PASSES, optimize, optimizeDocument } from '../src/engine.js';
import { Document } from '../src/document.js';
import type { Transform } from '../src/types.js';

/** A transform that counts its calls and reports what `apply` returns. */
function counted(id: string, apply: Transform['apply']): Transform & { calls: number } {
  const t = { id, summary: id, safety: 'safe' as const, calls: 0, apply: (...args: Parameters<Transform['apply']>) => (t.calls++, apply(...args)) };
  return t;
}

describe('the engine', () => {
  it('runs again only the transforms that saw an older document, and keeps the skips of those it does not run', () => {
    // Adds `# done` once; the next transform skips every time it runs.
    const mark = counted('mark', (doc) => ({ changes: doc.text.includes('# done') ? [] : [{ message: 'mark', line: 0, edits: [{ start: 0, end: 0, text: '# done\n' }] }], skips: [] }));
    const watch = counted('watch', (doc) => ({ changes: [], skips: [{ line: doc.lineAt(doc.text.indexOf('RUN')), reason: 'nothing to do' }] }));
    const r = optimize('FROM a\nRUN b\n', { transforms: [mark, watch] });
    expect(r.text).toBe('# done\nFROM a\nRUN b\n');
    // Pass 1: mark changes the text, watch sees the new one. Pass 2: only mark runs, to find nothing left to do.
    expect([mark.calls, watch.calls]).toEqual([2, 1]);
    expect(r.skips).toEqual([{ transform: 'watch', line: 2, reason: 'nothing to do' }]);
  });

  it('runs a transform again when a later one changed the document after it', () => {
    const first = counted('first', (doc) => ({ changes: doc.text.includes('# b') && !doc.text.includes('# a') ? [{ message: 'a', line: 0, edits: [{ start: 0, end: 0, text: '# a\n' }] }] : [], skips: [] }));
    const second = counted('second', (doc) => ({ changes: doc.text.includes('# b') ? [] : [{ message: 'b', line: 0, edits: [{ start: 0, end: 0, text: '# b\n' }] }], skips: [] }));
    const r = optimize('FROM a\n', { transforms: [first, second] });
    expect(r.text).toBe('# a\n# b\nFROM a\n');
    expect(r.changes.map((c) => c.transform)).toEqual(['second', 'first']);
    // Pass 1: first (nothing), second (changes); pass 2: first (changes), second; pass 3: first.
    expect([first.calls, second.calls]).toEqual([3, 2]);
  });

  it(`stops with an error when transforms keep changing after ${MAX_PASSES} passes`, () => {
    const grow = counted('grow', () => ({ changes: [{ message: 'grow', line: 0, edits: [{ start: 0, end: 0, text: '#\n' }] }], skips: [] }));
    expect(() => optimize('FROM a\n', { transforms: [grow] })).toThrow(`transforms did not settle after ${MAX_PASSES} passes (still changing: grow)`);
    expect(grow.calls).toBe(MAX_PASSES);
  });
});

describe('Document.successor', () => {
  it('shares the shell parse of a RUN whose script the edit left as it was, and parses a changed one anew', () => {
    const doc = new Document('FROM a\nRUN apt-get update\nRUN pip install x\n');
    const next = doc.successor('FROM a\n# moved\nRUN apt-get update\nRUN pip install --no-cache-dir x\n');
    const [, update, pip] = doc.instructions();
    const [, nextUpdate, nextPip] = next.instructions();
    expect(next.runScript(nextUpdate!)!.root).toBe(doc.runScript(update!)!.root);
    expect(next.runScript(nextPip!)!.root).not.toBe(doc.runScript(pip!)!.root);
    // Same script, new place: offsets map to the successor's text.
    const script = next.runScript(nextUpdate!)!;
    expect(next.text.slice(script.toDoc(0), script.toDoc(script.text.length))).toBe('apt-get update');
    next.freeScripts();
    // Freed for both; either parses again when asked.
    expect(doc.runScript(update!)!.commands().map((c) => c.name)).toEqual(['apt-get']);
    expect(next.runScript(nextPip!)!.commands().map((c) => c.name)).toEqual(['pip']);
    doc.freeScripts();
  });

  it('reads a RUN again after the engine has freed the trees of the document it started from', () => {
    const doc = new Document('FROM a\nRUN apt-get update\nRUN apt-get install -y curl\n');
    const [, update] = doc.instructions();
    const before = doc.runScript(update!)!;
    expect(optimizeDocument(doc).text).toBe('FROM a\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n');
    const after = doc.runScript(update!)!;
    expect(after).not.toBe(before);
    expect(after.andChain()!.map((step) => step.text)).toEqual(['apt-get update']);
    doc.freeScripts();
  });
});
