// The campaign contract of docs/campaigns.md: each engine's snippet, read from the docs as written, is run over
// local git repositories the way that engine runs it on a checkout (working folder the checkout's root, its
// environment, its rule for what gets committed and where the pull request's title and body come from). The
// commits, the pull requests they would open, and a second run that must change nothing are checked. `npx
// dockmod` in the snippets is this checkout's dist/src/cli.js, through an `npx` on the PATH (npm run build first).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, dockmod } from './support/cli.js';

const root = path.resolve(import.meta.dirname, '..');
const docs = fs.readFileSync(path.join(root, 'docs', 'campaigns.md'), 'utf8');

/** The code block that follows `<!-- campaign-snippet: name -->` in docs/campaigns.md. */
function snippet(name: string): string {
  const found = new RegExp(`<!-- campaign-snippet: ${name} -->\\n(\`{3,})[a-z]*\\n([^]*?)\\n\\1\\n`).exec(docs);
  if (!found) throw new Error(`docs/campaigns.md has no snippet ${name}`);
  return `${found[2]}\n`;
}

const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-campaigns-'));
afterAll(() => fs.rmSync(sandbox, { recursive: true, force: true }));

/** `npx [--yes] dockmod ...` runs this checkout's build; any other package is refused. */
const bin = path.join(sandbox, 'bin');
fs.mkdirSync(bin);
fs.writeFileSync(
  path.join(bin, 'npx'),
  `#!/bin/sh\n[ "$1" = --yes ] && shift\n[ "$1" = dockmod ] || { echo "test npx: only dockmod, not $1" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`,
  { mode: 0o755 },
);
const home = path.join(sandbox, 'home');
fs.mkdirSync(home);
const PATH = `${bin}${path.delimiter}${process.env.PATH}`;
/** What a user's shell gives an engine: its environment, with a git identity and no global git config. */
const userEnv: NodeJS.ProcessEnv = {
  ...process.env,
  PATH,
  HOME: home,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Campaign Bot',
  GIT_AUTHOR_EMAIL: 'bot@example.com',
  GIT_COMMITTER_NAME: 'Campaign Bot',
  GIT_COMMITTER_EMAIL: 'bot@example.com',
  CI: '1',
  NO_COLOR: '1',
};

function run(file: string, args: string[], options: SpawnSyncOptions & { cwd: string }) {
  const r = spawnSync(file, args, { encoding: 'utf8', env: userEnv, timeout: 60_000, ...options });
  if (r.error) throw r.error;
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function git(cwd: string, ...args: string[]): string {
  const r = run('git', args, { cwd });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** An executable found on PATH, as exec.LookPath and execa find it. */
function which(name: string): string {
  if (name.includes('/')) return name;
  for (const dir of PATH.split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {}
  }
  throw new Error(`${name} is not on PATH`);
}

/** The words a POSIX shell makes of a line (with its expansions, in `cwd`), as a user's shell hands them to an engine. */
function shellWords(line: string, cwd: string): string[] {
  const r = run('sh', ['-c', `printf '%s\\0' ${line}`], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

/**
 * A command split into words by multi-gitter (its own parser) or Renovate (shlex, no shell): for a command with no
 * quote, backslash or `$`, both split at blanks, and that is all the snippets need.
 */
function plainWords(command: string): string[] {
  expect(command, 'a command with no quoting for the test to read as the engine does').toMatch(/^[^"'\\$]*$/);
  return command.split(/[ \t]+/).filter(Boolean);
}

const example = (name: string) => path.join(root, 'examples', name);
/** The repositories of the campaign: a Node app, a Python app, and one with no Dockerfile. */
const REPOSITORIES: Record<string, (dir: string) => void> = {
  'my-org/api': (dir) => fs.cpSync(example('node-app'), dir, { recursive: true }),
  'my-org/worker': (dir) => fs.cpSync(example('python-app'), dir, { recursive: true }),
  'my-org/docs': (dir) => fs.writeFileSync(path.join(dir, 'README.md'), '# Docs\n\nNo container here.\n'),
};

/** Fresh checkouts of every repository (one commit on main) under `parent`, at `layout(name)`. */
function checkouts(parent: string, layout: (name: string) => string = (name) => name): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const [name, fill] of Object.entries(REPOSITORIES)) {
    const dir = path.join(sandbox, parent, layout(name));
    fs.mkdirSync(dir, { recursive: true });
    fill(dir);
    git(dir, '-c', 'init.defaultBranch=main', 'init', '-q');
    git(dir, 'add', '--all');
    git(dir, 'commit', '-q', '-m', 'initial');
    dirs.set(name, dir);
  }
  return dirs;
}

const head = (dir: string) => git(dir, 'rev-parse', 'HEAD').trim();
const status = (dir: string) => git(dir, 'status', '--porcelain', '--untracked-files=all');
/** The files a commit changes, with their status letter (A added, M modified). */
const committedFiles = (dir: string) => git(dir, 'diff', '--name-status', 'HEAD~1', 'HEAD').trim().split('\n').sort();
const committed = (dir: string, file: string) => git(dir, 'show', `HEAD:${file}`);
const commitCount = (dir: string) => Number(git(dir, 'rev-list', '--count', 'HEAD').trim());

/** Docs links (file: URLs into this checkout while package.json names no repository) as their page's id. */
const withDocsIds = (markdown: string) => markdown.replace(/<file:\/\/[^>]*\/docs\/transforms\/([a-z0-9-]+)\.md>/g, '<docs:$1>');

const API_DOCKERFILE = [
  'FROM node:10-alpine',
  'WORKDIR /usr/src/app',
  'COPY ["package.json", "package-lock.json", "./"]',
  'RUN ["npm", "install"]',
  'COPY [".", "./"]',
  'ENTRYPOINT [ "npm", "start" ]',
  '',
].join('\n');
const WORKER_DOCKERFILE = [
  'FROM ubuntu:22.04',
  'RUN apt-get update -y && apt-get install -y python3 python3-pip && rm -rf /var/lib/apt/lists/*',
  'COPY requirements.txt /usr/src/app/',
  'RUN pip3 install --no-cache-dir -r /usr/src/app/requirements.txt',
  '',
].join('\n');

/** The report dockmod writes for the api repository, after --write. */
const API_REPORT = [
  '## dockmod',
  '',
  'dockmod changed 1 of 1 Dockerfile (1 change).',
  '',
  '| File | Lines | Transform | Safety | Change |',
  '| --- | --- | --- | --- | --- |',
  '| `Dockerfile` | 3–4 | [`split-copy-install`](<docs:split-copy-install>) | safe | copy package.json, package-lock.json and run `npm install` before copying the sources |',
  '',
  '### `Dockerfile`, lines 3–4',
  '',
  '- **[`split-copy-install`](<docs:split-copy-install>)** (safe): copy package.json, package-lock.json and run `npm install` before copying the sources  ',
  '  Why: copy dependency manifests and install before copying the sources, so source edits keep the install cached.',
  '',
  '```suggestion',
  'COPY ["package.json", "package-lock.json", "./"]',
  'RUN ["npm", "install"]',
  'COPY [".", "./"]',
  '```',
  '',
  'The rewrite of `Dockerfile` also creates `.dockerignore`:',
  '',
  '```diff',
  'diff --git a/.dockerignore b/.dockerignore',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/.dockerignore',
  '@@ -1,0 +1,1 @@',
  '+node_modules',
  '```',
  '',
].join('\n');
/** The worker's report: its verdict, the three changes, the held-back one and the skips. */
function expectWorkerReport(markdown: string): void {
  const lines = withDocsIds(markdown).split('\n');
  expect(lines.slice(0, 3)).toEqual(['## dockmod', '', 'dockmod changed 1 of 1 Dockerfile (3 changes).']);
  expect(lines.filter((l) => l.startsWith('| `Dockerfile`')).map((l) => l.split(' | ')[2])).toEqual([
    '[`merge-apt-update`](<docs:merge-apt-update>)',
    '[`apt-lists-cleanup`](<docs:apt-lists-cleanup>)',
    '[`pip-no-cache-dir`](<docs:pip-no-cache-dir>)',
  ]);
  expect(lines).toContain('<summary>1 unsafe change held back (<code>--unsafe</code> applies it)</summary>');
  expect(lines).toContain('<summary>2 skips: where dockmod chose to leave a file alone, and why</summary>');
}

/** What every engine must find in the checkouts after the campaign's commit. */
function expectCampaignCommits(dirs: Map<string, string>): void {
  const api = dirs.get('my-org/api')!;
  expect(committedFiles(api)).toEqual(['A\t.dockerignore', 'M\tDockerfile']);
  expect(committed(api, 'Dockerfile')).toBe(API_DOCKERFILE);
  expect(committed(api, '.dockerignore')).toBe('node_modules\n');
  const worker = dirs.get('my-org/worker')!;
  expect(committedFiles(worker)).toEqual(['M\tDockerfile']);
  expect(committed(worker, 'Dockerfile')).toBe(WORKER_DOCKERFILE);
  expect(commitCount(dirs.get('my-org/docs')!)).toBe(1);
  for (const dir of dirs.values()) expect(status(dir), dir).toBe('');
}

// ---------------------------------------------------------------------------------------------------------------
// Sourcegraph Batch Changes (src-cli): each step's `run` by the container's /bin/sh at the checkout's root, with
// the step's env; a non-zero exit fails the workspace; the changeset is the diff of all files the steps leave
// (`git add --all`); `${{ }}` templates filled from the step's stdout and the outputs.

interface BatchSpec {
  steps: { run: string; env?: Record<string, string>; outputs?: Record<string, { value: string; format?: string }> }[];
  changesetTemplate: { title: string; body: string; branch: string; commit: { message: string } };
}

function fillTemplate(text: string, variables: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    if (!Object.hasOwn(variables, name)) throw new Error(`the test does not fill \${{ ${name} }}`);
    return variables[name]!;
  });
}

function batchChange(spec: BatchSpec, name: string, dir: string) {
  const outputs: Record<string, string> = {};
  for (const step of spec.steps) {
    const r = run('/bin/sh', ['-c', step.run], { cwd: dir, env: { ...userEnv, ...step.env } });
    if (r.code !== 0) return { failed: r.stderr };
    for (const [output, { value, format = 'text' }] of Object.entries(step.outputs ?? {})) {
      expect(format).toBe('text');
      outputs[`outputs.${output}`] = fillTemplate(value, { ...outputs, 'step.stdout': r.stdout, 'step.stderr': r.stderr });
    }
  }
  git(dir, 'add', '--all');
  if (git(dir, 'diff', '--cached', '--name-only') === '') return { changeset: undefined };
  const t = spec.changesetTemplate;
  const variables = { ...outputs, 'repository.name': name };
  const changeset = { title: fillTemplate(t.title, variables), body: fillTemplate(t.body, variables), branch: t.branch };
  // Publishing the changeset commits the diff on its branch.
  git(dir, 'commit', '-q', '-m', fillTemplate(t.commit.message, variables));
  return { changeset };
}

// ---------------------------------------------------------------------------------------------------------------
// multi-gitter run: the script string parsed by multi-gitter, its executable found on PATH, run at the clone's
// root with REPOSITORY=owner/name; a non-zero exit skips the repository; without --manual-commit, a change in
// `git status -s` is committed (`git add .`, `git commit --no-verify -m`) and the PR's title and body are
// --pr-title/--pr-body (default: the commit message's first line and the rest); with --manual-commit, a new
// commit is needed, and without --pr-title the first new commit's message gives them.

interface MultiGitterRun {
  script: string;
  commitMessage?: string;
  prTitle?: string;
  prBody?: string;
  manualCommit: boolean;
}

function multiGitterRun(line: string, cwd: string): MultiGitterRun {
  const [command, verb, script, ...flags] = shellWords(line, cwd);
  expect([command, verb]).toEqual(['multi-gitter', 'run']);
  const parsed: MultiGitterRun = { script: script!, manualCommit: false };
  const targeting = new Set(['-O', '--org', '-R', '--repo', '-U', '--user', '-B', '--branch']);
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (flag === '--manual-commit') parsed.manualCommit = true;
    else if (flag === '-m' || flag === '--commit-message') parsed.commitMessage = flags[++i];
    else if (flag === '-t' || flag === '--pr-title') parsed.prTitle = flags[++i];
    else if (flag === '-b' || flag === '--pr-body') parsed.prBody = flags[++i];
    else if (targeting.has(flag)) i++;
    else throw new Error(`the test does not read multi-gitter's ${flag}`);
  }
  return parsed;
}

const firstLine = (message: string) => message.split('\n')[0]!.trim();
const afterFirstLine = (message: string) => message.split('\n').slice(1).join('\n').trim();

function multiGitter(spec: MultiGitterRun, name: string, dir: string) {
  const [executable, ...args] = plainWords(spec.script);
  const before = head(dir);
  const r = run(which(executable!), args, { cwd: dir, env: { ...userEnv, REPOSITORY: name } });
  if (r.code !== 0) return { failed: r.stderr };
  if (!spec.manualCommit) {
    if (git(dir, 'status', '-s') === '') return { pullRequest: undefined };
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '--no-verify', '-m', spec.commitMessage!);
  } else if (head(dir) === before) return { pullRequest: undefined };
  if (!spec.manualCommit || spec.prTitle !== undefined) {
    const message = spec.commitMessage ?? '';
    return { pullRequest: { title: spec.prTitle ?? firstLine(message), body: spec.prBody ?? afterFirstLine(message) } };
  }
  const first = git(dir, 'rev-list', '--reverse', `${before}..HEAD`).split('\n')[0]!;
  const message = git(dir, 'log', '-1', '--format=%B', first);
  return { pullRequest: { title: firstLine(message), body: afterFirstLine(message) } };
}

// ---------------------------------------------------------------------------------------------------------------
// turbolift: `foreach -- COMMAND` runs the command (no shell) in work/<org>/<repo>; `commit` runs
// `git commit --all --message` where `git status --porcelain=v1` shows something; `create-prs` opens a PR for each
// repository with commits of its own, titled by README.md's first line (leading `#` and spaces dropped), the rest
// its body.

function turbolift(lines: string[], campaign: string, dirs: Map<string, string>) {
  const failed: string[] = [];
  const pullRequests = new Map<string, { title: string; body: string }>();
  for (const line of lines) {
    if (line === '' || line.startsWith('#') || /^(turbolift (init|clone)|cd) /.test(`${line} `)) continue;
    const words = shellWords(line, campaign);
    expect(words[0]).toBe('turbolift');
    if (words[1] === 'foreach') {
      expect(words[2]).toBe('--');
      const [executable, ...args] = words.slice(3);
      for (const [name, dir] of dirs) if (run(which(executable!), args, { cwd: dir }).code !== 0) failed.push(`${name}: ${line}`);
    } else if (words[1] === 'commit') {
      expect(words[2]).toBe('--message');
      for (const dir of dirs.values()) if (git(dir, 'status', '--porcelain=v1') !== '') git(dir, 'commit', '-q', '--all', '--message', words[3]!);
    } else if (words[1] === 'create-prs') {
      const [title, ...body] = fs.readFileSync(path.join(campaign, 'README.md'), 'utf8').split('\n');
      for (const [name, dir] of dirs) if (commitCount(dir) > 1) pullRequests.set(name, { title: title!.replace(/^[# ]+/, ''), body: body.join('\n') });
    } else throw new Error(`the test does not run ${line}`);
  }
  return { failed, pullRequests };
}

// ---------------------------------------------------------------------------------------------------------------
// Renovate postUpgradeTasks: after its own update of a package file, each command of the matching package rules,
// its Handlebars filled in, runs if an allowedCommands pattern matches it, split by shlex and run without a shell
// in the repository's root with Renovate's small child environment; a failure is an artifact error; the added and
// modified files that match fileFilters (default **/*, dotfiles included) join Renovate's commit.

interface RenovateRule {
  matchManagers: string[];
  postUpgradeTasks: { commands: string[]; fileFilters?: string[]; executionMode: string };
  prBodyNotes?: string[];
}

function renovateUpdate(rules: RenovateRule[], allowedCommands: string[], dir: string, update: { packageFile: string; from: string; to: string }) {
  const file = path.join(dir, update.packageFile);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`FROM ${update.from}\n`, `FROM ${update.to}\n`));
  const artifactErrors: string[] = [];
  const notes: string[] = [];
  const tasks = rules.filter((rule) => rule.matchManagers.includes('dockerfile'));
  for (const { postUpgradeTasks: tasksOf, prBodyNotes = [] } of tasks) {
    expect(tasksOf.executionMode).toBe('update');
    notes.push(...prBodyNotes);
    for (const command of tasksOf.commands) {
      const compiled = command.replace(/\{\{\{(\w+)\}\}\}/g, (_, name: string) => {
        if (name !== 'packageFile') throw new Error(`the test does not fill {{{${name}}}}`);
        return update.packageFile;
      });
      if (!allowedCommands.some((pattern) => new RegExp(pattern).test(compiled))) {
        artifactErrors.push(`Post-upgrade command '${compiled}' has not been added to the allowed list in allowedCommands`);
        continue;
      }
      const [executable, ...args] = plainWords(compiled);
      const r = run(which(executable!), args, { cwd: dir, env: { PATH, HOME: home, LANG: 'C.UTF-8' } });
      if (r.code !== 0) artifactErrors.push(r.stderr);
    }
    const isKept = picomatch(tasksOf.fileFilters ?? ['**/*'], { dot: true });
    const changed = status(dir).split('\n').filter(Boolean).map((l) => l.slice(3));
    git(dir, 'add', '--', ...changed.filter((f) => isKept(f)));
  }
  git(dir, 'commit', '-q', '-m', `chore(deps): update ${update.to.split(':')[0]} docker tag`);
  return { artifactErrors, notes };
}

// ---------------------------------------------------------------------------------------------------------------

describe('campaigns (docs/campaigns.md) over local repositories', () => {
  it('Sourcegraph Batch Changes: one changeset per repository with a change, its body the --write markdown report', () => {
    const spec = parseYaml(snippet('sourcegraph')) as BatchSpec;
    const dirs = checkouts('sourcegraph');
    const results = new Map([...dirs].map(([name, dir]) => [name, batchChange(spec, name, dir)]));
    for (const [name, result] of results) expect(result, name).not.toHaveProperty('failed');
    expectCampaignCommits(dirs);
    const api = results.get('my-org/api')!;
    expect(api.changeset!.title).toBe('dockmod: optimize Dockerfiles for the build cache');
    expect(withDocsIds(api.changeset!.body)).toBe(API_REPORT);
    expectWorkerReport(results.get('my-org/worker')!.changeset!.body);
    expect(results.get('my-org/docs')).toEqual({ changeset: undefined });
    // Executed again on the result: no changeset anywhere.
    for (const [name, dir] of dirs) expect(batchChange(spec, name, dir), name).toEqual({ changeset: undefined });
    expect(commitCount(dirs.get('my-org/api')!)).toBe(2);
  });

  it('multi-gitter: the run commits what dockmod wrote, with the campaign\'s title and body; a second run opens nothing', () => {
    const spec = multiGitterRun(snippet('multi-gitter').trim(), sandbox);
    const dirs = checkouts('multi-gitter');
    const results = new Map([...dirs].map(([name, dir]) => [name, multiGitter(spec, name, dir)]));
    for (const [name, result] of results) expect(result, name).not.toHaveProperty('failed');
    expectCampaignCommits(dirs);
    for (const name of ['my-org/api', 'my-org/worker']) {
      expect(results.get(name)!.pullRequest).toEqual({ title: 'dockmod: optimize Dockerfiles for the build cache', body: spec.prBody });
      expect(git(dirs.get(name)!, 'log', '-1', '--format=%B').trim()).toBe('dockmod: optimize Dockerfiles for the build cache');
    }
    expect(results.get('my-org/docs')).toEqual({ pullRequest: undefined });
    for (const [name, dir] of dirs) expect(multiGitter(spec, name, dir), name).toEqual({ pullRequest: undefined });
  });

  it('multi-gitter --manual-commit: each pull request is titled and described by its repository\'s --summary-file', () => {
    const scripts = path.join(sandbox, 'multi-gitter-scripts');
    fs.mkdirSync(scripts);
    fs.writeFileSync(path.join(scripts, 'dockmod-commit.sh'), snippet('multi-gitter-commit-script'));
    const spec = multiGitterRun(snippet('multi-gitter-manual-commit').trim(), scripts);
    expect(spec.manualCommit).toBe(true);
    const dirs = checkouts('multi-gitter-manual');
    const results = new Map([...dirs].map(([name, dir]) => [name, multiGitter(spec, name, dir)]));
    for (const [name, result] of results) expect(result, name).not.toHaveProperty('failed');
    expectCampaignCommits(dirs);
    const api = results.get('my-org/api')!.pullRequest!;
    expect(api.title).toBe('dockmod: 1 change in 1 Dockerfile');
    expect(`${withDocsIds(api.body)}\n`).toBe(API_REPORT);
    const worker = results.get('my-org/worker')!.pullRequest!;
    expect(worker.title).toBe('dockmod: 3 changes in 1 Dockerfile');
    expectWorkerReport(worker.body);
    expect(results.get('my-org/docs')).toEqual({ pullRequest: undefined });
    // No summary file is left in a checkout (the script's is a temp file), and a second run commits nothing.
    for (const [name, dir] of dirs) expect(multiGitter(spec, name, dir), name).toEqual({ pullRequest: undefined });
  });

  it('turbolift: foreach, commit and create-prs give each changed repository one commit and the campaign README as its PR', () => {
    const campaign = path.join(sandbox, 'turbolift', 'dockmod-build-cache');
    const dirs = checkouts(path.join('turbolift', 'dockmod-build-cache'), (name) => path.join('work', name));
    const readme = snippet('turbolift-readme');
    fs.writeFileSync(path.join(campaign, 'README.md'), readme);
    const lines = snippet('turbolift').split('\n');
    const first = turbolift(lines, campaign, dirs);
    expect(first.failed).toEqual([]);
    expectCampaignCommits(dirs);
    const [title, ...body] = readme.split('\n');
    expect(title).toBe('# dockmod: optimize Dockerfiles for the build cache');
    expect(first.pullRequests).toEqual(
      new Map(['my-org/api', 'my-org/worker'].map((name) => [name, { title: 'dockmod: optimize Dockerfiles for the build cache', body: body.join('\n') }])),
    );
    // The same commands again: every foreach succeeds and no commit is added.
    const again = turbolift(lines.filter((l) => !l.includes('create-prs')), campaign, dirs);
    expect(again.failed).toEqual([]);
    expect([...dirs.values()].map(commitCount)).toEqual([2, 2, 1]);
  });

  it('--summary-file beside a dry run: the diff still on stdout, the summary says what would change; an unwritable one is an error', () => {
    const dir = checkouts('summary-file').get('my-org/api')!;
    const summary = path.join(sandbox, 'summary-file', 'pr.md');
    const dry = dockmod(['--summary-file', summary, '.'], dir);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toBe(dockmod(['.'], dir).stdout);
    expect(dry.stdout).toMatch(/^diff --git a\/Dockerfile b\/Dockerfile\n/);
    expect(withDocsIds(fs.readFileSync(summary, 'utf8'))).toBe(
      `dockmod: 1 change in 1 Dockerfile\n\n${API_REPORT.replace('dockmod changed 1 of 1 Dockerfile (1 change).', 'dockmod would change 1 of 1 Dockerfile (1 change). Run `dockmod --write` to apply them all.')}`,
    );
    expect(status(dir)).toBe('');
    const unwritable = dockmod(['--write', '--summary-file', 'no-such-folder/pr.md', '.'], dir);
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr).toMatch(/^dockmod: no-such-folder\/pr\.md: cannot write the summary file: ENOENT/m);
  });

  it('Renovate: an update of a base image also commits dockmod\'s rewrite of that Dockerfile; a second run adds nothing', () => {
    const repository = JSON.parse(snippet('renovate-repository-config')) as { packageRules: RenovateRule[] };
    const { allowedCommands } = JSON.parse(snippet('renovate-global-config')) as { allowedCommands: string[] };
    const dirs = checkouts('renovate');
    const api = dirs.get('my-org/api')!;
    const apiUpdate = renovateUpdate(repository.packageRules, allowedCommands, api, { packageFile: 'Dockerfile', from: 'node:10-alpine', to: 'node:22-alpine' });
    expect(apiUpdate.artifactErrors).toEqual([]);
    expect(apiUpdate.notes).toEqual(['dockmod also optimized this Dockerfile for the build cache: see its changes in the diff.']);
    expect(committedFiles(api)).toEqual(['A\t.dockerignore', 'M\tDockerfile']);
    expect(committed(api, 'Dockerfile')).toBe(API_DOCKERFILE.replace('node:10-alpine', 'node:22-alpine'));
    expect(committed(api, '.dockerignore')).toBe('node_modules\n');
    const worker = dirs.get('my-org/worker')!;
    expect(renovateUpdate(repository.packageRules, allowedCommands, worker, { packageFile: 'Dockerfile', from: 'ubuntu:22.04', to: 'ubuntu:24.04' }).artifactErrors).toEqual([]);
    expect(committed(worker, 'Dockerfile')).toBe(WORKER_DOCKERFILE.replace('ubuntu:22.04', 'ubuntu:24.04'));
    // Renovate updating its branch again (the next base-image release) runs the task on dockmod's own output.
    const next = renovateUpdate(repository.packageRules, allowedCommands, api, { packageFile: 'Dockerfile', from: 'node:22-alpine', to: 'node:24-alpine' });
    expect(next.artifactErrors).toEqual([]);
    expect(committedFiles(api)).toEqual(['M\tDockerfile']);
    expect(git(api, 'diff', 'HEAD~1', 'HEAD', '--', 'Dockerfile').split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-FROM node:22-alpine', '+FROM node:24-alpine']);
  });
});
