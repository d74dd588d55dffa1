// Inline Dockerfiles in bake files (`target.<name>.dockerfile-inline`, docker-bake.hcl and docker-bake.json): optimized
// with the target's build context and written back into the attribute's heredoc or string, changed lines only, every
// other byte of the file kept; refused, naming the line, where bake would not build the text as written.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockmod, tempTree } from './support/cli.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const tree = (files: Record<string, string>): string => tempTree('dockmod-bake-', files, temps);
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
/** The `--verbose` lines about skips, without the unsafe suggestions every apt RUN gets. */
const skipLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes(' skipped ') && !l.includes('buildkit-cache-mounts'));

const BAKE = `# docker-bake.hcl for the app
variable "TAG" {
  default = "latest"
}

group "default" {
  targets = ["api", "worker"]
}

/* the API image: its Dockerfile lives here,
   dockerfile-inline = "not this" */
target "api" {
  context = "./api"   // its own folder
  tags    = ["example/api:\${TAG}"]
  dockerfile-inline = <<EOT
FROM debian:12
# tools
RUN echo $\${HOME} && apt-get update && apt-get install -y curl

CMD ["curl", "--version"]
EOT
}

target "worker" {
  dockerfile = "worker.Dockerfile"
  args = {
    MODE = "batch" # the default
  }
}
`;

describe('bake dockerfile-inline (HCL)', () => {
  it('rewrites only the changed line of a heredoc, reads and writes `$${` as bake does, and keeps every other byte', () => {
    const dir = tree({ 'docker-bake.hcl': BAKE, 'api/.keep': '', 'worker.Dockerfile': 'FROM alpine:3\n' });
    const diff = dockmod(['.'], dir);
    expect([diff.status, diff.stderr]).toEqual([0, expect.stringContaining('1 would change')]);
    expect(diff.stdout).toBe(
      [
        'diff --git a/docker-bake.hcl b/docker-bake.hcl',
        '--- a/docker-bake.hcl',
        '+++ b/docker-bake.hcl',
        '@@ -15,7 +15,7 @@',
        '   dockerfile-inline = <<EOT',
        ' FROM debian:12',
        ' # tools',
        '-RUN echo $${HOME} && apt-get update && apt-get install -y curl',
        '+RUN echo $${HOME} && apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
        ' ',
        ' CMD ["curl", "--version"]',
        ' EOT',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(dockmod(['--format', 'json', '.'], dir).stdout) as { files: { path: string; changes: { transform: string; line: number }[] }[] };
    expect(json.files.map((f) => [f.path, f.changes.map((c) => [c.transform, c.line])])).toEqual([
      ['docker-bake.hcl', [['apt-lists-cleanup', 18]]],
      ['worker.Dockerfile', []],
    ]);
    const check = dockmod(['--check', '.'], dir);
    expect([check.status, check.stdout]).toEqual([1, 'docker-bake.hcl\n']);
    expect(dockmod(['--write', '.'], dir).status).toBe(0);
    expect(read(dir, 'docker-bake.hcl')).toBe(BAKE.replace('install -y curl\n', 'install -y curl && rm -rf /var/lib/apt/lists/*\n'));
    // A second run finds nothing to do.
    const again = dockmod(['--check', '.'], dir);
    expect([again.status, again.stdout]).toEqual([0, '']);
  });

  it("uses the target's context, and writes new lines of a `<<-` heredoc at the indentation HCL strips", () => {
    const hcl = [
      'target "web" {',
      '  context = "web"',
      '  dockerfile-inline = <<-EOT',
      '      FROM node:20',
      '      WORKDIR /app',
      '        # two more spaces: kept',
      '      COPY . .',
      '      RUN npm ci',
      '      CMD ["node", "index.js"]',
      '    EOT',
      '}',
      '',
    ].join('\n');
    const dir = tree({ 'docker-bake.hcl': hcl, 'web/package.json': '{"name":"web"}\n', 'web/package-lock.json': '{}\n', 'web/index.js': '' });
    const r = dockmod(['--write', '--only', 'split-copy-install', '.'], dir);
    expect([r.status, r.stderr]).toEqual([0, expect.stringContaining('1 changed')]);
    expect(read(dir, 'docker-bake.hcl')).toBe(
      [
        'target "web" {',
        '  context = "web"',
        '  dockerfile-inline = <<-EOT',
        '      FROM node:20',
        '      WORKDIR /app',
        '        # two more spaces: kept',
        '      COPY package.json package-lock.json ./',
        '      RUN npm ci',
        '      COPY . .',
        '      CMD ["node", "index.js"]',
        '    EOT',
        '}',
        '',
      ].join('\n'),
    );
    expect(dockmod(['--check', '--only', 'split-copy-install', '.'], dir).status).toBe(0);
  });

  it('re-encodes only the changed lines of a quoted string; escapes elsewhere stay as written', () => {
    const hcl = [
      '// one-line Dockerfiles',
      'target "tool" { dockerfile-inline = "FROM alpine:3\\n# caf\\u00e9\\nLABEL note=\\"a\\\\\\\\b\\"\\nRUN apk add curl && echo \\"ok\\u0021\\"\\n" }',
      'target "other" {',
      '  dockerfile-inline = "FROM alpine:3\\nRUN apk add --no-cache git\\n"',
      '}',
      '',
    ].join('\n');
    const dir = tree({ 'docker-bake.hcl': hcl });
    expect(dockmod(['--write', '.'], dir).status).toBe(0);
    expect(read(dir, 'docker-bake.hcl')).toBe(hcl.replace('RUN apk add curl', 'RUN apk add --no-cache curl'));
    expect(dockmod(['--check', '.'], dir).status).toBe(0);
  });

  it('refuses, naming the line and why, where bake would not build the text as written', () => {
    const hcl = [
      'variable "PKG" { default = "curl" }', // 1
      'variable "DF" { default = "FROM debian:12" }',
      'target "interpolated" {',
      '  dockerfile-inline = <<EOT',
      'FROM debian:12',
      'RUN apt-get update && apt-get install -y ${PKG}', // 6
      'EOT',
      '}',
      'target "directive" {',
      '  dockerfile-inline = "FROM debian:12\\n%{ if true }RUN apt-get update && apt-get install -y curl%{ endif }\\n"', // 10
      '}',
      'target "called" {',
      '  dockerfile-inline = join("\\n", ["FROM debian:12", "RUN apt-get update && apt-get install -y curl"])', // 13
      '}',
      'target "referenced" {', // 15
      '  dockerfile-inline = DF',
      '}',
      'target "remote" {',
      '  context = "https://github.com/example/app.git"',
      '  dockerfile-inline = <<EOT', // 20
      'FROM debian:12',
      'RUN apt-get update && apt-get install -y curl',
      'EOT',
      '}',
      'target "twice" {', // 25
      '  dockerfile-inline = "FROM debian:12\\nRUN apt-get update && apt-get install -y curl\\n"',
      '}',
      'target "twice" {',
      '  dockerfile-inline = "FROM debian:12\\nRUN apt-get update && apt-get install -y git\\n"',
      '}', // 30
      '',
    ].join('\n');
    const dir = tree({ 'docker-bake.hcl': hcl });
    const r = dockmod(['-v', '.'], dir);
    expect([r.status, r.stdout]).toEqual([0, '']);
    expect(skipLines(r.stderr)).toEqual([
      'docker-bake.hcl:6: skipped dockerfile-inline: target interpolated: the inline Dockerfile uses `${PKG}`, which bake evaluates as an HCL template when it reads the file: dockmod cannot know the Dockerfile it builds (write `$${` or `%%{` where the Dockerfile itself means `${` or `%{`)',
      'docker-bake.hcl:10: skipped dockerfile-inline: target directive: the inline Dockerfile uses `%{ if true }`, which bake evaluates as an HCL template when it reads the file: dockmod cannot know the Dockerfile it builds (write `$${` or `%%{` where the Dockerfile itself means `${` or `%{`)',
      'docker-bake.hcl:13: skipped dockerfile-inline: target called: dockerfile-inline is an expression, not a quoted string or heredoc: dockmod rewrites only a Dockerfile written out in the file',
      'docker-bake.hcl:16: skipped dockerfile-inline: target referenced: dockerfile-inline is an expression, not a quoted string or heredoc: dockmod rewrites only a Dockerfile written out in the file',
      'docker-bake.hcl:20: skipped dockerfile-inline: target remote: context https://github.com/example/app.git is not a local folder',
      'docker-bake.hcl:25: skipped dockerfile-inline: target twice: dockerfile-inline is set in more than one target "twice" block (lines 26 and 29): dockmod cannot tell which one bake builds',
    ]);
    expect(read(dir, 'docker-bake.hcl')).toBe(hcl);
  });

  it('refuses a rewrite that the heredoc would not read back: a new line that is its closing marker', () => {
    // A house transform that appends a line `EOT` to the Dockerfile.
    const house = "export default [{ id: 'house-eot', summary: 'eot', safety: 'safe', apply: (doc) => doc.text.includes('EOT') ? { changes: [], skips: [] } : { changes: [{ message: 'eot', line: 1, edits: [{ start: doc.text.length, end: doc.text.length, text: 'EOT\\n' }] }], skips: [] } }];\n";
    const hcl = ['target "a" {', '  dockerfile-inline = <<EOT', 'FROM debian:12', 'RUN true', 'EOT', '}', ''].join('\n');
    const dir = tree({ 'docker-bake.hcl': hcl, 'house.mjs': house });
    const r = dockmod(['-v', '--write', '--transform', './house.mjs', '--only', 'house-eot', '.'], dir);
    expect([r.status, r.stdout]).toEqual([0, '']);
    expect(skipLines(r.stderr)).toEqual(['docker-bake.hcl:4: skipped house-eot: target a: the heredoc would not read the new text as written; not rewritten: eot']);
    expect(read(dir, 'docker-bake.hcl')).toBe(hcl);
  });

  it('--write leaves a bake file that changed on disk since it was read, and says so', () => {
    const hcl = ['target "a" {', '  dockerfile-inline = <<EOT', 'FROM debian:12', 'RUN apt-get update && apt-get install -y curl', 'EOT', '}', ''].join('\n');
    const newer = `${hcl}# edited by someone else meanwhile\n`;
    // A transform that stands for another program: it saves the bake file while dockmod works on its Dockerfile.
    const house = `import fs from 'node:fs';\nexport default [{ id: 'edit-behind', summary: 'saves the bake file', safety: 'safe', apply() { fs.writeFileSync('docker-bake.hcl', ${JSON.stringify(newer)}); return { changes: [], skips: [] }; } }];\n`;
    const dir = tree({ 'docker-bake.hcl': hcl, 'house.mjs': house });
    const r = dockmod(['--write', '--transform', './house.mjs', '--only', 'apt-lists-cleanup,edit-behind', '.'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('dockmod: docker-bake.hcl: changed on disk since it was read; not overwritten');
    expect(read(dir, 'docker-bake.hcl')).toBe(newer);
  });

  it('refuses a target that inherits its dockerfile-inline, and the parent when a child builds it with another context', () => {
    const hcl = [
      'target "base" {', // 1
      '  dockerfile-inline = <<EOT',
      'FROM debian:12',
      'RUN apt-get update && apt-get install -y curl',
      'EOT',
      '}',
      'target "same" {', // 7
      '  inherits = ["base"]',
      '  tags = ["example/same"]',
      '}',
      '',
    ].join('\n');
    const other = hcl + ['target "elsewhere" {', '  inherits = ["base"]', '  context = "./elsewhere"', '}', ''].join('\n');
    const dir = tree({ 'docker-bake.hcl': hcl, 'two/docker-bake.hcl': other, 'two/elsewhere/.keep': '' });
    const r = dockmod(['-v', '--write', '.'], dir);
    expect(r.status).toBe(0);
    expect(skipLines(r.stderr)).toEqual([
      'docker-bake.hcl:7: skipped dockerfile-inline: target same: inherits dockerfile-inline from target base, which is rewritten where it is written',
      'two/docker-bake.hcl:2: skipped dockerfile-inline: target base: target elsewhere inherits this dockerfile-inline and builds it with another context (elsewhere): a rewrite for one context may not hold for the other',
      'two/docker-bake.hcl:7: skipped dockerfile-inline: target same: inherits dockerfile-inline from target base, which is rewritten where it is written',
      'two/docker-bake.hcl:11: skipped dockerfile-inline: target elsewhere: inherits dockerfile-inline from target base, which is rewritten where it is written',
    ]);
    // base and same build the same Dockerfile with the same context: base's heredoc is rewritten for both.
    expect(read(dir, 'docker-bake.hcl')).toBe(hcl.replace('install -y curl\n', 'install -y curl && rm -rf /var/lib/apt/lists/*\n'));
    expect(read(dir, 'two/docker-bake.hcl')).toBe(other);
    // --context gives every target one context: the parent is rewritten, and its heirs still say where.
    const one = dockmod(['-v', '--write', '--context', 'two', 'two'], dir);
    expect(one.status).toBe(0);
    expect(skipLines(one.stderr)).toEqual([
      'two/docker-bake.hcl:7: skipped dockerfile-inline: target same: inherits dockerfile-inline from target base, which is rewritten where it is written',
      'two/docker-bake.hcl:11: skipped dockerfile-inline: target elsewhere: inherits dockerfile-inline from target base, which is rewritten where it is written',
    ]);
    expect(read(dir, 'two/docker-bake.hcl')).toBe(other.replace('install -y curl\n', 'install -y curl && rm -rf /var/lib/apt/lists/*\n'));
  });
});

describe('bake dockerfile-inline (JSON)', () => {
  const json = [
    '{',
    '  "group": { "default": { "targets": ["app"] } },',
    '  "target": {',
    '    "app": {',
    '      "context": ".",',
    '      "dockerfile-inline": "FROM debian:12\\nRUN echo $${HOME} \\u0026\\u0026 apt-get update && apt-get install -y curl\\nCMD [\\"bash\\"]\\n",',
    '      "tags": ["example/app:1"]',
    '    },',
    '    "interpolated": { "dockerfile-inline": "FROM debian:12\\nRUN apt-get update && apt-get install -y ${PKG}\\n" },',
    '    "listed": { "dockerfile-inline": ["FROM debian:12"] }',
    '  }',
    '}',
    '',
  ].join('\n');

  it("replaces just the string's bytes, re-encoding only the changed text; a template in the string is refused", () => {
    const dir = tree({ 'docker-bake.json': json });
    const r = dockmod(['-v', '--write', '.'], dir);
    expect(r.status).toBe(0);
    expect(skipLines(r.stderr)).toEqual([
      'docker-bake.json:9: skipped dockerfile-inline: target interpolated: the inline Dockerfile uses `${PKG}`, which bake evaluates as an HCL template when it reads the file: dockmod cannot know the Dockerfile it builds (write `$${` or `%%{` where the Dockerfile itself means `${` or `%{`)',
      'docker-bake.json:10: skipped dockerfile-inline: target listed: dockerfile-inline is not a string: dockmod rewrites only a Dockerfile written out in the file',
    ]);
    // The changed line keeps its escapes (\u0026\u0026) where its text did not change.
    expect(read(dir, 'docker-bake.json')).toBe(json.replace('install -y curl\\nCMD', 'install -y curl && rm -rf /var/lib/apt/lists/*\\nCMD'));
    expect(dockmod(['--check', '.'], dir).status).toBe(0);
  });

  it('names the line of the JSON file in the reports', () => {
    const dir = tree({ 'docker-bake.json': json });
    const sarif = JSON.parse(dockmod(['--format', 'sarif', '.'], dir).stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    const located = sarif.runs[0]!.results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.artifactLocation.uri, r.locations[0]!.physicalLocation.region.startLine]);
    expect(located).toEqual([
      ['apt-lists-cleanup', 'docker-bake.json', 6],
      ['apt-no-install-recommends', 'docker-bake.json', 6],
    ]);
  });
});
