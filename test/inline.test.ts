// Inline Dockerfiles in compose files (`build.dockerfile_inline`): optimized with the service's build context and
// written back into their YAML scalar, changed lines only, every other byte of the file kept; refused, naming the
// line, where the scalar's style cannot hold the new text or the text is not what compose builds.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockmod, tempTree } from './support/cli.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const tree = (files: Record<string, string>): string => tempTree('dockmod-inline-', files, temps);
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
/** The `--verbose` lines about one file's skips. */
const skipLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes(' skipped ') && !l.includes('buildkit-cache-mounts'));

const COMPOSE = `# the whole app
x-common: &common
  restart: "unless-stopped"   # keep it up
services:
  api:
    <<: *common
    build:
      context: ./api   # its own folder
      dockerfile_inline: |
        FROM debian:12
        # tools
        RUN apt-get update && apt-get install -y curl

        CMD ["curl", "--version"]
    image: 'example/api:1'
  db:
    image: "postgres:16"
`;

const COMPOSE_AFTER = COMPOSE.replace(
  '        RUN apt-get update && apt-get install -y curl\n',
  '        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n',
);

describe('compose dockerfile_inline', () => {
  it('rewrites only the changed line of a literal block, at its indentation, and keeps every other byte', () => {
    const dir = tree({ 'compose.yaml': COMPOSE, 'api/.keep': '' });
    const diff = dockmod(['.'], dir);
    expect(diff.status).toBe(0);
    expect(diff.stdout).toBe(
      [
        'diff --git a/compose.yaml b/compose.yaml',
        '--- a/compose.yaml',
        '+++ b/compose.yaml',
        '@@ -9,7 +9,7 @@',
        '       dockerfile_inline: |',
        '         FROM debian:12',
        '         # tools',
        '-        RUN apt-get update && apt-get install -y curl',
        '+        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
        ' ',
        '         CMD ["curl", "--version"]',
        "     image: 'example/api:1'",
        '',
      ].join('\n'),
    );
    const write = dockmod(['--write', '.'], dir);
    expect(write.status).toBe(0);
    expect(read(dir, 'compose.yaml')).toBe(COMPOSE_AFTER);
    // A second run finds nothing to do.
    const again = dockmod(['--check', '.'], dir);
    expect([again.status, again.stdout]).toEqual([0, '']);
  });

  it('--check names the compose file, and the reports carry its path and the line in it', () => {
    const dir = tree({ 'compose.yaml': COMPOSE });
    const check = dockmod(['--check', '.'], dir);
    expect([check.status, check.stdout]).toEqual([1, 'compose.yaml\n']);
    const json = JSON.parse(dockmod(['--format', 'json', '.'], dir).stdout) as { files: { path: string; changes: { transform: string; line: number }[] }[] };
    expect(json.files.map((f) => [f.path, f.changes.map((c) => [c.transform, c.line])])).toEqual([['compose.yaml', [['apt-lists-cleanup', 12]]]]);
    const sarif = JSON.parse(dockmod(['--format', 'sarif', '.'], dir).stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    const located = sarif.runs[0]!.results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.artifactLocation.uri, r.locations[0]!.physicalLocation.region.startLine]);
    // The applied change and the held-back unsafe one, both on the RUN's line of the YAML file.
    expect(located).toEqual([
      ['apt-lists-cleanup', 'compose.yaml', 12],
      ['apt-no-install-recommends', 'compose.yaml', 12],
    ]);
  });

  it("uses the service's build context: split-copy-install copies the manifests of ./web", () => {
    const compose = [
      'services:',
      '  web:',
      '    build:',
      '      context: web',
      '      dockerfile_inline: |-',
      '          FROM node:20',
      '          WORKDIR /app',
      '          COPY . .',
      '          RUN npm ci',
      '          CMD ["node", "index.js"]',
      '',
    ].join('\n');
    const dir = tree({ 'compose.yaml': compose, 'web/package.json': '{"name":"web"}\n', 'web/package-lock.json': '{}\n', 'web/index.js': '' });
    const r = dockmod(['--write', '--only', 'split-copy-install', '.'], dir);
    expect(r.stderr).toContain('1 changed');
    expect(read(dir, 'compose.yaml')).toBe(
      [
        'services:',
        '  web:',
        '    build:',
        '      context: web',
        '      dockerfile_inline: |-',
        '          FROM node:20',
        '          WORKDIR /app',
        '          COPY package.json package-lock.json ./',
        '          RUN npm ci',
        '          COPY . .',
        '          CMD ["node", "index.js"]',
        '',
      ].join('\n'),
    );
    // Without the manifests in the compose file's own folder, the same block is left as it is: the context is ./web.
    expect(fs.existsSync(path.join(dir, 'package.json'))).toBe(false);
  });

  it("reads `$$` as compose does and writes a changed line's `$` back as `$$`; a double-quoted scalar is rewritten in its style", () => {
    const compose = [
      'services:',
      '  a:',
      '    build:',
      '      dockerfile_inline: |',
      '        FROM debian:12',
      '        RUN echo $$HOME && apt-get update && apt-get install -y curl',
      '  b:',
      '    build:',
      '      dockerfile_inline: "FROM debian:12\\nRUN apt-get update && apt-get install -y curl\\n"',
      '',
    ].join('\n');
    const dir = tree({ 'compose.yaml': compose });
    expect(dockmod(['--write', '.'], dir).status).toBe(0);
    expect(read(dir, 'compose.yaml')).toBe(
      compose
        .replace('install -y curl\n  b:', 'install -y curl && rm -rf /var/lib/apt/lists/*\n  b:')
        .replace('install -y curl\\n"', 'install -y curl && rm -rf /var/lib/apt/lists/*\\n"'),
    );
  });

  it('refuses, naming the line and why, where the scalar cannot hold the change or the text is not what compose builds', () => {
    const compose = [
      'x-df: &shared |', // 1
      '  FROM debian:12',
      '  RUN apt-get update && apt-get install -y curl',
      'services:',
      '  folded:', // 5
      '    build:',
      '      dockerfile_inline: >',
      '        FROM debian:12',
      '        RUN apt-get update && apt-get install -y curl',
      '  interpolated:', // 10
      '    build:',
      '      dockerfile_inline: |',
      '        FROM debian:12',
      '        RUN apt-get update && apt-get install -y ${PACKAGE}',
      '  single:', // 15
      '    build:',
      "      dockerfile_inline: 'FROM python:3.12",
      '',
      "        RUN pip install flask'",
      '  aliased:', // 20
      '    build:',
      '      dockerfile_inline: *shared',
      '  remote:',
      '    build:',
      '      context: https://github.com/example/app.git', // 25
      '      dockerfile_inline: |',
      '        FROM debian:12',
      '        RUN apt-get update && apt-get install -y curl',
      '',
    ].join('\n');
    const dir = tree({ 'compose.yaml': compose });
    const r = dockmod(['-v', '.'], dir);
    expect([r.status, r.stdout]).toEqual([0, '']);
    expect(skipLines(r.stderr)).toEqual([
      'compose.yaml:7: skipped dockerfile_inline: service folded: build.dockerfile_inline is a folded block scalar (>), whose line breaks YAML joins: dockmod cannot write changed lines into it (write it as a literal block, |)',
      'compose.yaml:14: skipped dockerfile_inline: service interpolated: the inline Dockerfile uses `${PACKAGE}`, which compose replaces from the environment before the build: dockmod cannot know the Dockerfile it builds (write `$$` for a `$` the Dockerfile itself reads)',
      'compose.yaml:17: skipped pip-no-cache-dir: service single: build.dockerfile_inline is a single-quoted scalar, which cannot hold the new text on its line without folding (write it as a literal block, |); not rewritten: add --no-cache-dir to pip install',
      'compose.yaml:20: skipped dockerfile_inline: service aliased: build.dockerfile_inline comes from a YAML alias or merge key; editing the anchored text would change every service that uses it',
      'compose.yaml:26: skipped dockerfile_inline: service remote: context https://github.com/example/app.git is not a local folder',
    ]);
    expect(read(dir, 'compose.yaml')).toBe(compose);
  });

  it('refuses a plain scalar that would need quotes, and a block whose chomping would change the last line break', () => {
    // A house transform that appends ` #pinned` to a bare `FROM debian`, and one that drops the final line break.
    const house = [
      "const pin = { id: 'house-pin', summary: 'pin', safety: 'safe', apply: (doc) => doc.text.startsWith('FROM debian\\n') || doc.text === 'FROM debian' ? { changes: [{ message: 'pin', line: 0, edits: [{ start: 11, end: 11, text: ':12 #pinned' }] }], skips: [] } : { changes: [], skips: [] } };",
      "const trim = { id: 'house-trim', summary: 'trim', safety: 'safe', apply: (doc) => doc.text.endsWith('\\n') ? { changes: [{ message: 'trim', line: 0, edits: [{ start: doc.text.length - 1, end: doc.text.length, text: '' }] }], skips: [] } : { changes: [], skips: [] } };",
      'export default [pin, trim];',
      '',
    ].join('\n');
    const compose = ['services:', '  plain:', '    build:', '      dockerfile_inline: FROM debian', '  clipped:', '    build:', '      dockerfile_inline: |', '        FROM alpine:3', ''].join('\n');
    const dir = tree({ 'compose.yaml': compose, 'house.mjs': house });
    const r = dockmod(['-v', '--transform', './house.mjs', '--only', 'house-pin,house-trim', '.'], dir);
    expect([r.status, r.stdout]).toEqual([0, '']);
    expect(skipLines(r.stderr)).toEqual([
      'compose.yaml:4: skipped house-pin: service plain: build.dockerfile_inline is a plain scalar, which cannot hold the new text on its line without quoting (write it as a literal block, |); not rewritten: pin',
      "compose.yaml:8: skipped house-trim: service clipped: the block's chomping (|) would not keep the new text's final line break as the rewrite has it; not rewritten: trim",
    ]);
  });

  it('names the file for a compose file given on the command line, and leaves one without inline Dockerfiles alone', () => {
    const dir = tree({ 'compose.yaml': COMPOSE, 'other/docker-compose.yml': 'services:\n  x:\n    build: .\n' });
    const r = dockmod(['--check', 'compose.yaml', 'other/docker-compose.yml'], dir);
    expect([r.status, r.stdout]).toEqual([1, 'compose.yaml\n']);
  });
});
