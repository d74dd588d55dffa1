// The report formats: exact output per format against reviewed snapshots, the SARIF and JSON outputs against
// their schemas, and every fix each format carries applied back to the original text over all transform fixtures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, processDockerfile } from '../src/input/process.js';
import { readDockerfile, textSource } from '../src/input/read.js';
import type { FileReport } from '../src/engine/report.js';
import { builtinTransforms } from '../transforms/index.js';
import { renderReport, FORMAT_NAMES, type FormatInput, type ReportFormat } from '../src/formats/index.js';
import { findings, splitLines, withoutEol } from '../src/formats/findings.js';
import { docsBaseFor, dockmodDocsBase } from '../src/formats/docs-links.js';
import { CATEGORIES } from '../src/formats/codeclimate.js';
import { optimize } from '../src/index.js';
import { memoryContext } from '../src/contexts/context.js';
import MarkdownIt from 'markdown-it';
import { fixtureUnsafe, listFixtures, writeVariant } from './support/fixtures.js';
import { VARIANTS } from './support/variants.js';
import type { Transform } from '../src/engine/types.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv').default as typeof import('ajv').default;
const AjvDraft04 = require('ajv-draft-04').default as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats').default as typeof import('ajv-formats').default;

const root = path.resolve(import.meta.dirname, '..');

/** The Code Climate issue schema written from GitLab's and Code Climate's docs (test/schemas/README.md). */
function codeclimateValidator() {
  const ajv = new Ajv({ allErrors: true, strict: true });
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(root, 'test/schemas/codeclimate-issues.schema.json'), 'utf8')));
}
const snapshots = path.join(root, 'snapshots', 'formats');
const fixtures = path.join(root, 'test', 'fixtures');
const VERSION = '1.2.3';
/** Where the reports' docs links point in these tests, so that the snapshots do not depend on where dockmod lies. */
const DOCS_BASE = 'https://example.test/dockmod/blob/v1.2.3/';

/** An unsafe transform for the tests: adds a BuildKit syntax directive at the very top (an insertion before line 1). */
const addSyntax: Transform = {
  id: 'add-syntax-directive',
  summary: 'pin the Dockerfile frontend with a syntax directive',
  safety: 'unsafe',
  apply: (doc) =>
    doc.text.startsWith('# syntax=')
      ? { changes: [], skips: [] }
      : { changes: [{ message: 'add `# syntax=docker/dockerfile:1`', line: 0, edits: [{ start: 0, end: 0, text: `# syntax=docker/dockerfile:1${doc.eolAt(0)}` }] }], skips: [] },
};

/** A Dockerfile processed as the CLI does; `withAddSyntax` adds the test's unsafe transform to the built-in ones. */
function result(dockerfile: string, options: { only?: string[]; unsafe?: boolean; noContext?: boolean; contextDir?: string; withAddSyntax?: boolean } = {}): FileReport {
  const { withAddSyntax, noContext, contextDir, ...rest } = options;
  const transforms = withAddSyntax ? [...builtinTransforms, addSyntax] : builtinTransforms;
  const { stat: _stat, ...file } = processDockerfile(readDockerfile(dockerfile), noContext ? undefined : contextDir ?? path.dirname(dockerfile), { ...rest, transforms });
  return file;
}

function errorFor(file: string, text: string): { file: string; message: string } {
  try {
    parseDockerfile(textSource(file, text));
  } catch (e) {
    return { file, message: (e as Error).message };
  }
  throw new Error(`${file} was accepted`);
}

const cases: Record<string, () => FormatInput> = {
  // The bundled examples: a split copy that also creates .dockerignore; a merged apt-get update (a deleted line) and a one-line fix.
  examples: () => ({
    files: [result(path.join(root, 'examples/node-app/Dockerfile')), result(path.join(root, 'examples/python-app/Dockerfile'))],
    errors: [],
    cwd: root,
    version: VERSION,
    docsBase: DOCS_BASE,
  }),
  // CRLF with an unsafe insertion at the very top applied; a skip with its reason; a held-back unsafe change; an error.
  edges: () => ({
    files: [
      result(path.join(fixtures, 'split-copy-install/pnpm-crlf/Dockerfile'), { only: ['split-copy-install', 'add-syntax-directive'], unsafe: true, withAddSyntax: true }),
      result(path.join(fixtures, 'split-copy-install/refuse-postinstall/Dockerfile'), { only: ['split-copy-install'] }),
      result(path.join(fixtures, 'pip-no-cache-dir/already-set/Dockerfile'), { only: ['pip-no-cache-dir', 'add-syntax-directive'], withAddSyntax: true }),
    ],
    errors: [errorFor(path.join(root, 'services/broken/Dockerfile'), 'RUN echo no base image\n')],
    cwd: root,
    version: VERSION,
    docsBase: DOCS_BASE,
  }),
};

const EXTENSIONS: Record<ReportFormat, string> = { json: 'json', sarif: 'sarif', rdjson: 'rdjson', codeclimate: 'codeclimate.json', github: 'github.txt', markdown: 'md' };

describe('report formats', () => {
  it('are every format but diff', () => {
    expect(FORMAT_NAMES).toEqual(['diff', ...Object.keys(EXTENSIONS)]);
  });

  for (const [name, input] of Object.entries(cases)) {
    for (const [format, ext] of Object.entries(EXTENSIONS) as [ReportFormat, string][]) {
      it(`${name}: ${format}`, async () => {
        await expect(renderReport(format, input())).toMatchFileSnapshot(path.join(snapshots, `${name}.${ext}`));
      });
    }
  }

  it('sarif is valid against the SARIF 2.1.0 schema', () => {
    // The schema's `language` pattern has a stray `]` that only non-Unicode regular expressions accept.
    const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(root, 'test/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')));
    for (const input of Object.values(cases)) {
      const log = JSON.parse(renderReport('sarif', input()));
      expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    }
    // With dockmod's own docs base (a file: URL while package.json names no repository) the links are valid too.
    const own = JSON.parse(renderReport('sarif', { ...cases.examples!(), docsBase: undefined }));
    expect(own.runs[0].tool.driver.rules[0].helpUri).toMatch(/^(file|https):\/\/.*\/docs\/transforms\/split-copy-install\.md$/);
    expect(validate(own), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The validator is not vacuous: a result without a message is refused.
    const broken = JSON.parse(renderReport('sarif', cases.examples!()));
    delete broken.runs[0].results[0].message;
    expect(validate(broken)).toBe(false);
  });

  it('sarif rules of built-in transforms link their docs page (helpUri, help); a custom one keeps its summary and has no link', () => {
    const log = JSON.parse(renderReport('sarif', cases.edges!()));
    expect(log.runs[0].tool.driver.rules).toEqual([
      {
        id: 'split-copy-install',
        shortDescription: { text: builtinTransforms.find((t) => t.id === 'split-copy-install')!.summary },
        helpUri: `${DOCS_BASE}docs/transforms/split-copy-install.md`,
        help: {
          text: 'docs/transforms/split-copy-install.md: what it changes, why, and when it refuses',
          markdown: `[docs/transforms/split-copy-install.md](${DOCS_BASE}docs/transforms/split-copy-install.md): what it changes, why, and when it refuses`,
        },
      },
      { id: 'add-syntax-directive', shortDescription: { text: 'pin the Dockerfile frontend with a syntax directive' } },
    ]);
  });

  it('rdjson codes of built-in transforms link their docs page', () => {
    const codes = JSON.parse(renderReport('rdjson', cases.edges!())).diagnostics.map((d: { code?: unknown }) => d.code);
    expect(codes).toEqual([
      { value: 'add-syntax-directive' },
      { value: 'split-copy-install', url: `${DOCS_BASE}docs/transforms/split-copy-install.md` },
      { value: 'add-syntax-directive' },
      undefined,
    ]);
  });

  it('json is valid against the documented schema (docs/report.schema.json)', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(root, 'docs/report.schema.json'), 'utf8')));
    for (const input of Object.values(cases)) {
      expect(validate(JSON.parse(renderReport('json', input()))), JSON.stringify(validate.errors, null, 2)).toBe(true);
    }
    const warned = JSON.parse(renderReport('json', { ...cases.examples!(), warnings: [{ file: path.join(root, 'app/.dockerignore'), message: 'a folder, not a file; not read' }] }));
    expect(warned.warnings).toEqual([{ path: 'app/.dockerignore', message: 'a folder, not a file; not read' }]);
    expect(validate(warned), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const extra = JSON.parse(renderReport('json', cases.examples!()));
    extra.files[0].surprise = true;
    expect(validate(extra)).toBe(false);
  });

  it('codeclimate is valid against the documented shape (test/schemas/codeclimate-issues.schema.json)', () => {
    const validate = codeclimateValidator();
    for (const input of Object.values(cases)) {
      expect(validate(JSON.parse(renderReport('codeclimate', input()))), JSON.stringify(validate.errors, null, 2)).toBe(true);
    }
    expect(renderReport('codeclimate', { files: [], errors: [], cwd: root, version: VERSION })).toBe('[]\n');
    // The validator is not vacuous: an issue without its last line, or with a description of two lines, is refused.
    const noEnd = JSON.parse(renderReport('codeclimate', cases.examples!()));
    delete noEnd[0].location.lines.end;
    expect(validate(noEnd)).toBe(false);
    const twoLines = JSON.parse(renderReport('codeclimate', cases.examples!()));
    twoLines[0].description += '\nsecond line';
    expect(validate(twoLines)).toBe(false);
  });

  it('codeclimate: a severity per kind (change minor, held back and skip info, error major) and a category per transform', () => {
    const issues = JSON.parse(renderReport('codeclimate', cases.edges!()));
    expect(issues.map((i: { check_name: string; severity: string; categories: string[]; location: { path: string; lines: unknown } }) => [i.check_name, i.severity, i.categories, i.location.path, i.location.lines])).toEqual([
      ['add-syntax-directive', 'minor', ['Performance'], 'test/fixtures/split-copy-install/pnpm-crlf/Dockerfile', { begin: 1, end: 1 }],
      ['split-copy-install', 'minor', ['Performance'], 'test/fixtures/split-copy-install/pnpm-crlf/Dockerfile', { begin: 2, end: 4 }],
      ['split-copy-install', 'info', ['Performance'], 'test/fixtures/split-copy-install/refuse-postinstall/Dockerfile', { begin: 3, end: 3 }],
      ['add-syntax-directive', 'info', ['Performance'], 'test/fixtures/pip-no-cache-dir/already-set/Dockerfile', { begin: 1, end: 1 }],
      ['dockmod/error', 'major', ['Bug Risk'], 'services/broken/Dockerfile', { begin: 1, end: 1 }],
    ]);
    expect(issues.map((i: { description: string }) => i.description)).toEqual([
      'add `# syntax=docker/dockerfile:1` (the rewrite also creates test/fixtures/split-copy-install/pnpm-crlf/.dockerignore)',
      `copy package.json, pnpm-lock.yaml and run \`pnpm install --frozen-lockfile\` before copying the sources (docs: ${DOCS_BASE}docs/transforms/split-copy-install.md)`,
      `left as it is: \`npm ci\`: package.json's "postinstall" script runs scripts/patch.js, which is not in the build context (docs: ${DOCS_BASE}docs/transforms/split-copy-install.md)`,
      'add `# syntax=docker/dockerfile:1` (unsafe, held back: --unsafe applies it)',
      'not a Dockerfile: no FROM before the first instruction',
    ]);
  });

  it('codeclimate names a category for every built-in transform', () => {
    expect(builtinTransforms.filter((t) => !Object.hasOwn(CATEGORIES, t.id)).map((t) => t.id)).toEqual([]);
    expect(Object.keys(CATEGORIES).sort()).toEqual(builtinTransforms.map((t) => t.id).sort());
  });
});

/** Every transform fixture and its CRLF and backtick-escape variants, plus the examples, as the CLI would process them. */
function allResults(): FileReport[] {
  const variantsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-format-variants-'));
  try {
    const all = listFixtures(fixtures).flatMap((fixture) => [fixture, ...VARIANTS.flatMap((v) => {
      const copy = writeVariant(fixture, v, variantsRoot);
      return 'none' in copy ? [] : [copy];
    })]);
    const out = all.map((fixture) => {
      const { id, dir, options } = fixture;
      const contextDir = options.context === undefined ? undefined : path.join(dir, options.context);
      return result(path.join(dir, options.dockerfile ?? 'Dockerfile'), { only: options.only ?? [id], unsafe: fixtureUnsafe(fixture), noContext: options.noContext, contextDir });
    });
    return [...out, ...Object.values(cases).flatMap((c) => c().files)];
  } finally {
    fs.rmSync(variantsRoot, { recursive: true, force: true });
  }
}

/** Replaces 1-based inclusive line ranges of `text` (in any order, not overlapping) with new lines. */
function replaceLines(text: string, edits: { start: number; end: number; lines: string[] }[]): string {
  const lines = splitLines(text);
  for (const e of [...edits].sort((a, b) => b.start - a.start)) lines.splice(e.start - 1, e.end - e.start + 1, ...e.lines);
  return lines.join('');
}

/** Line endings do not survive a suggestion (its text has none of its own): compare texts without them. */
const lf = (s: string) => s.replace(/\r\n/g, '\n');

describe('fixes in every format rebuild dockmod\'s output exactly, over all fixtures', () => {
  const all = allResults();
  const files = all.filter((f) => f.after !== f.before);

  it('codeclimate: every report is of the documented shape, and no two issues of a report share a fingerprint', () => {
    const validate = codeclimateValidator();
    for (const f of all) {
      const issues = JSON.parse(renderReport('codeclimate', { files: [f], errors: [], cwd: root, version: VERSION }));
      expect(validate(issues), `${f.file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(issues).toHaveLength(f.changes.length + f.heldBack.length + f.skips.length);
      expect(new Set(issues.map((i: { fingerprint: string }) => i.fingerprint)).size, f.file).toBe(issues.length);
    }
  });

  it('covers changed files', () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it('findings: the replacements give the new text, byte for byte', () => {
    for (const f of files) {
      const all = findings(f);
      expect(replaceLines(f.before, all.map((x) => ({ start: x.start, end: x.end, lines: x.replacement }))), f.file).toBe(f.after);
      for (const x of all) expect(x.end, f.file).toBeGreaterThanOrEqual(x.start);
      // Every change that edits the Dockerfile belongs to a finding.
      for (const c of f.changes) if (c.edited.length) expect(all.some((x) => x.changes.includes(c)), `${f.file}: ${c.message}`).toBe(true);
    }
  });

  it('sarif: applying every fix gives the new text and the other files', () => {
    for (const f of files) {
      const log = JSON.parse(renderReport('sarif', { files: [f], errors: [], cwd: root, version: VERSION }));
      const texts = new Map<string, string>([[path.relative(root, f.file).split(path.sep).join('/'), f.before]]);
      for (const e of f.extra) texts.set(path.relative(root, e.file).split(path.sep).join('/'), e.before ?? '');
      const replacements = new Map<string, { charOffset: number; charLength: number; text: string }[]>();
      for (const r of log.runs[0].results) {
        for (const fix of r.fixes ?? []) {
          for (const change of fix.artifactChanges) {
            const uri = decodeURI(change.artifactLocation.uri);
            for (const rep of change.replacements) {
              replacements.set(uri, [...(replacements.get(uri) ?? []), { ...rep.deletedRegion, text: rep.insertedContent.text }]);
            }
          }
        }
      }
      for (const [uri, reps] of replacements) {
        let text = texts.get(uri)!;
        for (const r of reps.sort((a, b) => b.charOffset - a.charOffset)) text = text.slice(0, r.charOffset) + r.text + text.slice(r.charOffset + r.charLength);
        texts.set(uri, text);
      }
      expect(texts.get(path.relative(root, f.file).split(path.sep).join('/')), f.file).toBe(f.after);
      for (const e of f.extra) expect(texts.get(path.relative(root, e.file).split(path.sep).join('/'))).toBe(e.after);
    }
  });

  it('rdjson: each suggestion covers exactly its diagnostic\'s lines, and applying them gives the new text', () => {
    for (const f of files) {
      const result = JSON.parse(renderReport('rdjson', { files: [f], errors: [], cwd: root, version: VERSION }));
      const edits = result.diagnostics.flatMap((d: { location: { range: unknown }; suggestions?: { range: { start: { line: number }; end: { line: number } }; text: string }[] }) =>
        (d.suggestions ?? []).map((s) => {
          expect(s.range).toEqual(d.location.range);
          return { start: s.range.start.line, end: s.range.end.line, lines: s.text === '' ? [] : s.text.split('\n').map((l) => `${l}\n`) };
        }),
      );
      expect(lf(replaceLines(lf(f.before), edits)), f.file).toBe(lf(f.after).endsWith('\n') ? lf(f.after) : `${lf(f.after)}\n`);
    }
  });

  it('markdown: each ```suggestion block replaces the lines its heading names, and together they give the new text', () => {
    for (const f of files) {
      const md = renderReport('markdown', { files: [f], errors: [], cwd: root, version: VERSION });
      const edits = [...md.matchAll(/^### `[^`]+`, lines? (\d+)(?:–(\d+))?\n[\s\S]*?^(`{3,})suggestion\n([\s\S]*?)^\3$/gm)].map((m) => ({
        start: Number(m[1]),
        end: Number(m[2] ?? m[1]),
        lines: splitLines(m[4]!),
      }));
      expect(edits.length, f.file).toBe(findings(f).length);
      expect(lf(replaceLines(lf(f.before), edits)), f.file).toBe(lf(f.after).endsWith('\n') ? lf(f.after) : `${lf(f.after)}\n`);
      for (const e of edits) for (const l of e.lines) expect(withoutEol(l)).not.toContain('\r');
    }
  });
});

describe('--format in the CLI', async () => {
  const { dockmod } = await import('./support/cli.js');
  const examplesCopy = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-formats-'));
    fs.cpSync(path.join(root, 'examples'), path.join(dir, 'examples'), { recursive: true, filter: (src) => !src.includes('custom-transform') });
    return dir;
  };

  it('--check --format github prints the report once, exits 1, and keeps the summary on stderr', () => {
    const dir = examplesCopy();
    try {
      const r = dockmod(['--check', '--format', 'github', 'examples'], dir);
      expect(r.status).toBe(1);
      // The CLI links dockmod's own docs; the snapshot was made with the tests' base.
      expect(r.stdout.replaceAll(dockmodDocsBase()!, DOCS_BASE)).toBe(fs.readFileSync(path.join(snapshots, 'examples.github.txt'), 'utf8'));
      expect(r.stderr).toMatch(/^dockmod: 2 would change, 0 unchanged, 1 with skips, 0 errors, 1 unsafe fix held back \(--unsafe to apply\) \(\d+\.\d\ds\)\n$/);
      // The default dry run with a report format: the same report, exit 0, nothing written.
      const json = dockmod(['--format', 'json', 'examples'], dir);
      expect(json.status).toBe(0);
      expect(JSON.parse(json.stdout).summary).toEqual({ files: 2, changed: 2, changes: 4, heldBack: 1, skips: 2, errors: 0 });
      expect(fs.existsSync(path.join(dir, 'examples/node-app/.dockerignore'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports unreadable files in the report and exits 2; --list-different takes no format', () => {
    const dir = examplesCopy();
    try {
      fs.writeFileSync(path.join(dir, 'examples/python-app/Dockerfile'), 'FROM alpine\nRUNN echo typo\n');
      const r = dockmod(['--format', 'json', 'examples'], dir);
      expect(r.status).toBe(2);
      expect(JSON.parse(r.stdout).errors).toEqual([{ path: 'examples/python-app/Dockerfile', message: "unknown instruction 'RUNN' on line 2" }]);
      const l = dockmod(['-l', '--format', 'json', 'examples'], dir);
      expect(l.status).toBe(2);
      expect(l.stderr).toContain('--list-different prints file names only');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs links', () => {
  const dir = path.join(path.sep, 'opt', 'dockmod');

  it('point into the repository at the release tag when package.json names the repository', () => {
    const tree = 'https://github.com/acme/dockmod/blob/v2.0.0/';
    for (const repository of ['acme/dockmod', 'github:acme/dockmod', 'https://github.com/acme/dockmod', 'git+https://github.com/acme/dockmod.git', 'git+ssh://git@github.com/acme/dockmod.git', { type: 'git', url: 'git+https://github.com/acme/dockmod.git' }]) {
      expect(docsBaseFor({ version: '2.0.0', repository }, dir), JSON.stringify(repository)).toBe(tree);
    }
    expect(docsBaseFor({ version: '2.0.0', repository: 'gitlab:acme/dockmod' }, dir)).toBe('https://gitlab.com/acme/dockmod/blob/v2.0.0/');
    expect(docsBaseFor({ version: '2.0.0', repository: { url: 'https://github.com/acme/tools.git', directory: 'packages/dockmod' } }, dir))
      .toBe('https://github.com/acme/tools/blob/v2.0.0/packages/dockmod/');
  });

  it('point at the installed package (its docs/ ship with it) when package.json names no repository', () => {
    expect(docsBaseFor({ version: '2.0.0' }, dir)).toBe(`${pathToFileURL(dir).href}/`);
    expect(docsBaseFor({ version: '2.0.0', repository: 'not a repository' }, dir)).toBe(`${pathToFileURL(dir).href}/`);
  });
});

/** A Dockerfile's report as the CLI makes it (built-in transforms, no files around it), filed as app/Dockerfile. */
function fromText(text: string, unsafe = false): FileReport {
  const r = optimize(text, { context: memoryContext({}), unsafe });
  const docs = Object.fromEntries(builtinTransforms.map((t) => [t.id, t.docs]));
  return { file: path.join(root, 'app', 'Dockerfile'), before: text, after: r.text, extra: [], changes: r.changes, skips: r.skips, heldBack: r.heldBack, refused: [], summaries: {}, docs };
}

interface Issue {
  check_name: string;
  fingerprint: string;
  severity: string;
  location: { lines: { begin: number; end: number } };
}
const codeclimate = (f: FileReport): Issue[] => JSON.parse(renderReport('codeclimate', { files: [f], errors: [], cwd: root, version: VERSION, docsBase: DOCS_BASE }));
const identities = (issues: Issue[]) => issues.map((i) => `${i.check_name} ${i.severity} ${i.fingerprint}`).sort();

describe('codeclimate fingerprints (GitLab: equal fingerprints are one issue; new and resolved are the fingerprints head and base do not share)', () => {
  const base = 'FROM python:3.12\nRUN pip install flask\nRUN apt-get update\nRUN apt-get install -y curl\n';

  it('stay the same when the lines move, and in a second run', () => {
    const moved = '# syntax=docker/dockerfile:1\n\nFROM python:3.12\nLABEL team=web\n\nRUN pip install flask\nRUN apt-get update\nRUN apt-get install -y curl\n';
    const before = codeclimate(fromText(base));
    const after = codeclimate(fromText(moved));
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(after.map((i) => i.location.lines.begin)).toEqual(before.map((i) => i.location.lines.begin + 4));
    expect(identities(after)).toEqual(identities(before));
    expect(codeclimate(fromText(base))).toEqual(before);
  });

  it('ignore whitespace and line endings, as Code Climate\'s default fingerprint does', () => {
    const reindented = base.replace('RUN pip install flask', 'RUN   pip install    flask').replace(/\n/g, '\r\n');
    expect(identities(codeclimate(fromText(reindented)))).toEqual(identities(codeclimate(fromText(base))));
  });

  it('tell equal lines apart, and a change from the same change held back', () => {
    const twice = 'FROM python:3.12 AS build\nRUN pip install flask\nFROM python:3.12\nRUN pip install flask\n';
    const issues = codeclimate(fromText(twice));
    expect(issues.filter((i) => i.check_name === 'pip-no-cache-dir').map((i) => i.location.lines.begin)).toEqual([2, 4]);
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(issues.length);
    const applied = codeclimate(fromText(base, true)).find((i) => i.check_name === 'apt-no-install-recommends')!;
    const heldBack = codeclimate(fromText(base)).find((i) => i.check_name === 'apt-no-install-recommends')!;
    expect([applied.severity, heldBack.severity]).toEqual(['minor', 'info']);
    expect(applied.fingerprint).not.toBe(heldBack.fingerprint);
  });

  it('change when the lines an issue concerns change', () => {
    const pip = (text: string) => codeclimate(fromText(text)).find((i) => i.check_name === 'pip-no-cache-dir')!.fingerprint;
    expect(pip(base.replace('flask', 'django'))).not.toBe(pip(base));
  });
});

describe('docs links: every finding of a built-in transform links its docs page, in every format; a custom transform has no page and no link', () => {
  const url = (id: string) => `${DOCS_BASE}docs/transforms/${id}.md`;

  it('github: the message of each annotation ends with the link', () => {
    const lines = renderReport('github', cases.edges!()).trimEnd().split('\n');
    expect(lines.map((l) => [/title=([^:]*)::/.exec(l)![1], / \(docs: (\S+)\)$/.exec(l)?.[1]])).toEqual([
      ['dockmod add-syntax-directive', undefined],
      ['dockmod split-copy-install', url('split-copy-install')],
      ['dockmod', undefined],
      ['dockmod add-syntax-directive (unsafe)', undefined],
      ['dockmod', undefined],
    ]);
  });

  it('markdown: the transform\'s name links its page, in the table, the findings, and the held-back and skip lists', () => {
    const html = new MarkdownIt({ html: true, linkify: true }).render(renderReport('markdown', cases.edges!()));
    const links = [...html.matchAll(/<a href="([^"]*)">(.*?)<\/a>/g)].map((m) => [m[1], m[2]]);
    const split = [url('split-copy-install'), '<code>split-copy-install</code>'];
    // Table row, finding, skip; add-syntax-directive (custom) is named three times without a link.
    expect(links).toEqual([split, split, split]);
    expect(html.match(/<code>add-syntax-directive<\/code>/g)).toHaveLength(3);
    const examples = new MarkdownIt().render(renderReport('markdown', cases.examples!()));
    expect([...examples.matchAll(/<a href="([^"]*)">/g)].map((m) => m[1])).toEqual([
      // The table: one row per change; then each finding's changes; then the held-back change and the skips.
      url('split-copy-install'), url('merge-apt-update'), url('apt-lists-cleanup'), url('pip-no-cache-dir'),
      url('split-copy-install'), url('merge-apt-update'), url('apt-lists-cleanup'), url('pip-no-cache-dir'),
      url('apt-no-install-recommends'), url('buildkit-cache-mounts'), url('buildkit-cache-mounts'),
    ]);
  });

  it('codeclimate: the description ends with the link (GitLab shows only the description), and content.body links the page (Code Climate\'s place for it)', () => {
    const issues = JSON.parse(renderReport('codeclimate', cases.edges!()));
    expect(issues.map((i: { content?: unknown }) => i.content)).toEqual([
      undefined,
      { body: `[docs/transforms/split-copy-install.md](${url('split-copy-install')}): what it changes, why, and when it refuses` },
      { body: `[docs/transforms/split-copy-install.md](${url('split-copy-install')}): what it changes, why, and when it refuses` },
      undefined,
      undefined,
    ]);
  });
});
