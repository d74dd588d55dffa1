// The engine's fixpoint: transforms run until a pass changes nothing, and a transform is not run again on a
// document it has already seen.
import { describe, expect, it } from 'vitest';
import { MAX_PASSES, optimizeDocument, optimizeText, TransformError } from '../src/engine/engine.js';
import { builtinTransforms, optimize } from '../src/index.js';
import { memoryContext, withWrites } from '../src/contexts/context.js';
import { Document } from '../src/engine/document.js';
import type { Transform } from '../src/engine/types.js';

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

  it('applies the first of two changes of one transform that overlap, and the other on the next pass, as on the text it then sees', () => {
    // Each change wraps the line of the RUN in brackets: the two overlap, so a pass applies only the first.
    const wrap = counted('wrap', (doc) => {
      const start = doc.text.indexOf('RUN');
      const end = doc.text.indexOf('\n', start);
      const depth = doc.text.split('[').length - 1;
      const changes = depth >= 2 ? [] : ['one', 'two'].map((message) => ({ message, line: 1, edits: [{ start, end, text: `[${doc.text.slice(start, end)}]` }] }));
      return { changes, skips: [] };
    });
    const r = optimize('FROM a\nRUN b\n', { transforms: [wrap] });
    expect(r.text).toBe('FROM a\n[[RUN b]]\n');
    expect(r.changes.map((c) => c.message)).toEqual(['one', 'one']);
    expect(wrap.calls).toBe(3);
  });

  it('reports overlapping edits within one change as an error naming the transform', () => {
    const clash = counted('clash', () => ({ changes: [{ message: 'm', line: 1, edits: [{ start: 0, end: 4, text: 'x' }, { start: 2, end: 5, text: 'y' }] }], skips: [] }));
    expect(() => optimize('FROM a\n', { transforms: [clash] })).toThrow('transform clash failed: transform clash returned overlapping edits [0,4) and [2,5)');
  });

  it('runs only the transforms its caller gives; the library optimize() gives the built-in ones unless told otherwise', () => {
    const text = 'FROM a\nRUN apt-get install curl\n';
    expect(optimizeText(text, { transforms: [] }).text).toBe(text);
    const builtin = optimize(text);
    expect(builtin.text).not.toBe(text);
    expect(optimizeText(text, { transforms: builtinTransforms })).toEqual(builtin);
    const mark = counted('mark', (doc) => ({ changes: doc.text.startsWith('# mark') ? [] : [{ message: 'mark', line: 0, edits: [{ start: 0, end: 0, text: '# mark\n' }] }], skips: [] }));
    expect(optimize(text, { transforms: [mark] }).text).toBe(`# mark\n${text}`);
  });
});

describe('Transform.mayFind', () => {
  it('keeps the engine from running the transform where it says it would find nothing', () => {
    const looks = () => Object.assign(counted('apt-reader', (doc) => ({ changes: [], skips: [{ line: doc.lineAt(doc.text.indexOf('RUN')), reason: 'looked' }] })), { mayFind: (doc: Document) => doc.text.includes('apt-get') });
    const none = looks();
    expect(optimize('FROM a\nRUN make\n', { transforms: [none] }).skips).toEqual([]);
    const apt = looks();
    expect(optimize('FROM a\nRUN apt-get update\n', { transforms: [apt] }).skips).toEqual([{ transform: 'apt-reader', line: 2, reason: 'looked' }]);
    expect([none.calls, apt.calls]).toEqual([0, 1]);
  });
});

describe('what a transform returns', () => {
  const returning = (result: unknown): Transform => ({ id: 'odd', summary: 'odd', safety: 'safe', apply: () => result as ReturnType<Transform['apply']> });
  const failure = (result: unknown): unknown => {
    try {
      optimize('FROM a\nRUN b\n', { transforms: [returning(result)], context: memoryContext({}) });
    } catch (error) {
      return error instanceof TransformError ? { transform: error.transform, message: error.message } : error;
    }
    return 'no error';
  };
  const change = (over: Record<string, unknown>) => ({ message: 'm', line: 1, edits: [], ...over });
  const cases: [string, unknown, string][] = [
    ['a Promise', Promise.resolve({ changes: [], skips: [] }), 'returned a Promise: apply must be synchronous'],
    ['nothing', undefined, 'returned undefined, not { changes, skips }'],
    ['an array', [], 'returned an array, not { changes, skips }'],
    ['no skips', { changes: [] }, 'skips is undefined, not an array'],
    ['changes that are no array', { changes: {}, skips: [] }, 'changes is an object, not an array'],
    ['a change that is no object', { changes: [null], skips: [] }, 'changes[0] is null, not an object'],
    ['a message that is no string', { changes: [change({ message: 1 })], skips: [] }, 'changes[0].message is a number, not a string'],
    ['a line that is no integer', { changes: [change({ line: 1.5 })], skips: [] }, 'changes[0].line is 1.5, not a line of the document (0 to 2)'],
    ['a line past the end', { changes: [change({ line: 3 })], skips: [] }, 'changes[0].line is 3, not a line of the document (0 to 2)'],
    ['an edit text that is no string', { changes: [change({ edits: [{ start: 0, end: 0, text: 42 }] })], skips: [] }, 'changes[0].edits[0].text is a number, not a string'],
    ['an edit that ends before it starts', { changes: [change({ edits: [{ start: 3, end: 2, text: '' }] })], skips: [] }, 'changes[0].edits[0] is the range [3, 2), not one within the text (0 to 13, start <= end)'],
    ['an edit past the text', { changes: [change({ edits: [{ start: 0, end: 14, text: '' }] })], skips: [] }, 'changes[0].edits[0] is the range [0, 14), not one within the text (0 to 13, start <= end)'],
    ['a fractional offset', { changes: [change({ edits: [{ start: 0.5, end: 1, text: '' }] })], skips: [] }, 'changes[0].edits[0] is the range [0.5, 1), not one within the text (0 to 13, start <= end)'],
    ['an unknown safety', { changes: [change({ safety: 'maybe' })], skips: [] }, "changes[0].safety is \"maybe\", not 'safe' or 'unsafe'"],
    ['files that are no array', { changes: [change({ files: 'x' })], skips: [] }, 'changes[0].files is a string, not an array'],
    ['a file text that is no string', { changes: [change({ files: [{ path: 'x', text: null }] })], skips: [] }, 'changes[0].files[0].text is null, not a string'],
    ['removes that are no array', { changes: [change({ removes: { kind: 'words', text: 'x' } })], skips: [] }, 'changes[0].removes is an object, not an array'],
    ['a removal of an unknown kind', { changes: [change({ removes: [{ kind: 'word', text: 'x' }] })], skips: [] }, 'changes[0].removes[0].kind is "word", not one of words, comment, instruction'],
    ['a removal without its text', { changes: [change({ removes: [{ kind: 'comment' }] })], skips: [] }, 'changes[0].removes[0].text is undefined, not a string'],
    ['a removal moved in words', { changes: [change({ removes: [{ kind: 'words', text: 'x', moved: 'yes' }] })], skips: [] }, 'changes[0].removes[0].moved is "yes", not a boolean'],
    ['a skip without a reason', { changes: [], skips: [{ line: 0 }] }, 'skips[0].reason is undefined, not a string'],
    ['a skip on no line', { changes: [], skips: [{ line: -1, reason: 'r' }] }, 'skips[0].line is -1, not a line of the document (0 to 2)'],
  ];
  it.each(cases)('refuses %s, naming the transform', (_, result, problem) => {
    expect(failure(result)).toEqual({ transform: 'odd', message: `transform odd failed: ${problem}` });
  });

  const paths: [string, string][] = [
    ['../../x', 'goes outside the build context'],
    ['a/../../x', 'is not a normalised context path'],
    ['/etc/passwd', 'is absolute'],
    ['C:/x', 'is absolute'],
    ['./.dockerignore', 'is not a normalised context path'],
    ['a\\..\\..\\x', 'is not a normalised context path'],
    ['', 'is empty'],
    ['.', 'is not a normalised context path'],
    ['a/', 'is not a normalised context path'],
    ['x\u0000y', 'holds a control character'],
    ['x\ny', 'holds a control character'],
  ];
  it.each(paths)('refuses to write the file %j, which %s', (file, problem) => {
    const result = { changes: [change({ files: [{ path: file, text: 'x' }] })], skips: [] };
    expect(failure(result)).toEqual({ transform: 'odd', message: `transform odd failed: changes[0].files[0].path ${JSON.stringify(file)} ${problem}` });
  });

  it('takes a well-formed result, files in sub-folders included', () => {
    const mark: Transform = {
      id: 'mark',
      summary: 'mark',
      safety: 'safe',
      apply: (doc) => ({
        changes: doc.text.startsWith('#') ? [] : [{ message: 'm', line: 1, edits: [{ start: 0, end: 0, text: '# x\n' }], files: [{ path: 'sub/.dockerignore', text: 'node_modules\n' }], safety: 'safe' }],
        skips: [{ line: 1, reason: 'r' }],
      }),
    };
    const r = optimize('FROM a\nRUN b\n', { transforms: [mark], context: memoryContext({}) });
    expect(r).toMatchObject({ text: '# x\nFROM a\nRUN b\n', files: [{ path: 'sub/.dockerignore', text: 'node_modules\n' }], skips: [{ transform: 'mark', line: 1, reason: 'r' }] });
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
    expect(optimizeDocument(doc, { transforms: builtinTransforms }).text).toBe('FROM a\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n');
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

  it('does not make a change whose text Docker and dockmod\'s parser would read differently, and says so', () => {
    // Removing `&& make` leaves a continuation line of a no-break space: blank to BuildKit (Go's TrimSpace), so
    // the RUN would go on into the next line, while dockmod's parser reads the space as a word (fuzz case 35115).
    const dropMake: Transform = {
      id: 'drop-make',
      summary: 'drop && make',
      safety: 'safe',
      apply: (doc) => {
        const at = doc.text.indexOf(' && make');
        return { changes: at < 0 ? [] : [{ message: 'drop make', line: 1, edits: [{ start: at, end: at + ' && make'.length, text: '' }] }], skips: [] };
      },
    };
    const text = 'FROM a\nRUN true \\\n\u00a0 && make\nCOPY . .\n';
    const r = optimize(text, { transforms: [dropMake] });
    expect(r.text).toBe(text);
    expect(r.changes).toEqual([]);
    expect(r.skips).toEqual([
      { transform: 'drop-make', line: 2, reason: "drop make: not made, as it would leave text that Docker and dockmod's parser read differently (the instruction on line 2 ends on line 4 for Docker but on line 3 for dockmod's parser, which read it differently)" },
    ]);
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

describe('withWrites', () => {
  it('lists the written files with the context’s, merged once per listing of the context and set of written paths', () => {
    const listing = ['b.txt', 'src/a.js'];
    const context = { ...memoryContext({}), listFiles: () => listing };
    const writes = new Map<string, string>();
    const overlay = withWrites(context, writes);
    expect(overlay.listFiles()).toBe(overlay.listFiles());
    writes.set('.dockerignore', 'node_modules\n');
    const withIgnore = overlay.listFiles();
    expect(withIgnore).toEqual(['.dockerignore', 'b.txt', 'src/a.js']);
    writes.set('.dockerignore', 'dist\n');
    expect(overlay.listFiles()).toBe(withIgnore);
    writes.set('b.txt', 'rewritten');
    expect(overlay.listFiles()).toEqual(['.dockerignore', 'b.txt', 'src/a.js']);
  });
});
