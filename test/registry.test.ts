// The registry's contract: every built-in transform declares its metadata, and its id ties it to a docs page, a
// folder of fixtures with one reviewed snapshot each, and a row of the README's table (see CONTRIBUTING.md).
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { builtinTransforms } from '../transforms/index.js';
import { TABLE_END, TABLE_START, transformTable, withTransformTable } from '../scripts/docs-table.mjs';

const root = path.resolve(import.meta.dirname, '..');
const fixtures = path.join(root, 'test', 'fixtures');
const snapshots = path.join(root, 'snapshots');
const docs = path.join(root, 'docs', 'transforms');
const ids = builtinTransforms.map((t) => t.id);

/** Snapshot folders of suites that are not transforms. */
const OTHER_SNAPSHOT_SUITES = ['cli', 'explain', 'formats'];

/** Every keyword a Dockerfile instruction can have. */
const KEYWORDS = ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

const folders = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : []);

describe('the registry', () => {
  it('has unique, kebab-case ids', () => {
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });

  for (const t of builtinTransforms) {
    describe(t.id, () => {
      it('declares its docs page and its trigger', () => {
        expect(t.docs).toBe(`docs/transforms/${t.id}.md`);
        expect(t.trigger.instructions.length).toBeGreaterThan(0);
        for (const keyword of t.trigger.instructions) expect(KEYWORDS).toContain(keyword);
        for (const tool of t.trigger.tools ?? []) expect(tool).toMatch(/^[a-z][a-z0-9-]*$/);
      });

      it('has a docs page that starts with its id and safety', () => {
        const page = path.join(root, t.docs);
        expect(fs.existsSync(page), `${t.docs} is missing`).toBe(true);
        expect(fs.readFileSync(page, 'utf8').split('\n')[0]).toBe(`# ${t.id} (${t.safety})`);
      });

      it('has fixtures, each with its snapshot, and no snapshot without a fixture', () => {
        const cases = folders(path.join(fixtures, t.id));
        expect(cases.length, `test/fixtures/${t.id}/ has no fixture`).toBeGreaterThan(0);
        const snaps = fs.existsSync(path.join(snapshots, t.id)) ? fs.readdirSync(path.join(snapshots, t.id)).sort() : [];
        expect(snaps).toEqual(cases.map((c) => `${c}.snap`).sort());
      });

      it('changes and skips only instructions its trigger names, in every snapshot', () => {
        for (const name of folders(path.join(fixtures, t.id))) {
          const dir = path.join(fixtures, t.id, name);
          const optionsFile = path.join(dir, 'options.json');
          const dockerfile = (fs.existsSync(optionsFile) ? JSON.parse(fs.readFileSync(optionsFile, 'utf8')).dockerfile : undefined) ?? 'Dockerfile';
          const instructions = DockerfileParser.parse(fs.readFileSync(path.join(dir, dockerfile), 'utf8')).getInstructions();
          const snapshot = fs.readFileSync(path.join(snapshots, t.id, `${name}.snap`), 'utf8');
          const diff = snapshot.indexOf('\n# diff\n');
          // `<line>: <id> (<safety>): ...` for a change, `<line>: <id>: ...` for a skip or a held-back change: 1-based lines.
          const lines = [...snapshot.slice(0, diff).matchAll(new RegExp(`^(\\d+): ${t.id}[ :]`, 'gm'))].map((m) => Number(m[1]) - 1);
          for (const line of lines) {
            const at = instructions.find((i) => i.getRange().start.line <= line && line <= i.getRange().end.line);
            const keyword = at?.getKeyword().toUpperCase() ?? '(no instruction)';
            expect(t.trigger.instructions, `${t.id}/${name}, line ${line + 1}: ${keyword}`).toContain(keyword);
          }
        }
      });
    });
  }

  it('has no docs page, fixture folder or snapshot folder for an id it does not know', () => {
    expect(fs.readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).filter((id) => !ids.includes(id))).toEqual([]);
    expect(folders(fixtures).filter((id) => !ids.includes(id))).toEqual([]);
    expect(folders(snapshots).filter((id) => !ids.includes(id) && !OTHER_SNAPSHOT_SUITES.includes(id))).toEqual([]);
  });

  it('is the README\'s transform table (`npm run docs:table` writes it)', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const table = transformTable(builtinTransforms);
    expect(readme).toContain(`${TABLE_START}\n${table}${TABLE_END}\n`);
    expect(withTransformTable(readme, builtinTransforms)).toBe(readme);
    // One row per transform, with its id, safety and summary as the registry has them.
    for (const t of builtinTransforms) expect(table).toContain(`| [\`${t.id}\`](${t.docs}) | ${t.safety} | ${t.summary.replace(/\|/g, '\\|')} |\n`);
  });
});

describe('the README table', () => {
  const two = [
    { id: 'a-b', summary: 'does a | b', safety: 'safe', docs: 'docs/transforms/a-b.md' },
    { id: 'c', summary: 'does c', safety: 'unsafe', docs: 'docs/transforms/c.md' },
  ] as const;

  it('is one row per transform, in registry order, with `|` escaped', () => {
    expect(transformTable(two)).toBe(
      '| id | safety | what |\n| --- | --- | --- |\n| [`a-b`](docs/transforms/a-b.md) | safe | does a \\| b |\n| [`c`](docs/transforms/c.md) | unsafe | does c |\n',
    );
  });

  it('replaces what stands between the markers and nothing else; a README without them is an error', () => {
    const readme = `intro\n${TABLE_START}\nold rows\n${TABLE_END}\nafter\n`;
    expect(withTransformTable(readme, two)).toBe(`intro\n${TABLE_START}\n${transformTable(two)}${TABLE_END}\nafter\n`);
    expect(() => withTransformTable('no markers\n', two)).toThrow(`README.md has no ${TABLE_START} ... ${TABLE_END} block`);
  });
});
