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

describe('Document.quote', () => {
  const quoteOf = (text: string, keyword = 'RUN') => {
    const doc = new Document(text);
    return doc.quote(doc.instructions().find((i) => i.getKeyword() === keyword)!);
  };

  it('quotes the words of a RUN that starts with a bare line continuation, comment lines left out, with its line', () => {
    expect(quoteOf('FROM a\nRUN \\\n  # the tools\n  apt-get install -y \\\n    curl\n')).toBe('`RUN apt-get install -y curl` (line 2)');
    expect(quoteOf('# escape=`\nFROM a\nRUN `\n  choco install git\n')).toBe('`RUN choco install git` (line 3)');
  });

  it('stops at the first line not continued (a heredoc body is not joined) and shortens long text', () => {
    expect(quoteOf('FROM a\nRUN <<EOF\nset -e\nEOF\n')).toBe('`RUN <<EOF` (line 2)');
    expect(quoteOf(`FROM a\nRUN \\\n  ${'x'.repeat(30)} \\\n  ${'y'.repeat(30)}\n`)).toBe(`\`RUN ${'x'.repeat(30)} ${'y'.repeat(22)}...\` (line 2)`);
  });

  it('is a Markdown code span whatever backticks the instruction holds', () => {
    expect(quoteOf('FROM a\nRUN echo `date`\n')).toBe('`` RUN echo `date` `` (line 2)');
    expect(quoteOf('FROM a\nRUN echo ``x`` done\n')).toBe('```RUN echo ``x`` done``` (line 2)');
  });

  it('names the line of the file as read when an earlier pass moved the instruction', () => {
    const dropComment: Transform = {
      id: 'drop-comment',
      summary: 'drop the first line',
      safety: 'safe',
      apply: (doc) => ({ changes: doc.text.startsWith('#') ? [{ message: 'drop', line: 0, edits: [{ start: 0, end: doc.text.indexOf('\n') + 1, text: '' }] }] : [], skips: [] }),
    };
    const quoteRun: Transform = {
      id: 'quote-run',
      summary: 'say where the RUN is',
      safety: 'safe',
      apply: (doc) => {
        const run = doc.instructions().find((i) => i.getKeyword() === 'RUN')!;
        return { changes: [], skips: [{ line: run.getRange().start.line, reason: `${doc.quote(run)} stays` }] };
      },
    };
    const r = optimize('# one\n# two\nFROM a\nRUN \\\n  make\n', { transforms: [dropComment, quoteRun] });
    expect(r.text).toBe('FROM a\nRUN \\\n  make\n');
    expect(r.skips).toEqual([{ transform: 'quote-run', line: 4, reason: '`RUN make` (line 4) stays' }]);
  });
});
