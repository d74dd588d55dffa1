#!/usr/bin/env node
// Real builds as the oracle: for every fixture app under test/builds/fixtures/, build its Dockerfile and
// dockmod's rewrite of it with a real builder, edit one source file, rebuild both, and check that the
// dependency install re-runs before the rewrite and comes from the cache after it, and that the two images hold
// the same files except for what the applied transforms declare (src/image-diff.ts).
//
//   npm run test:builds                      (builds dist/ first; CI runs it through .ci/run)
//   node test/builds/run.mjs [--builder buildah|docker|podman] [--only NAME]... [--base-image FROM=TO]...
//                            [--build-flag=FLAG]... [--real-base-images] [--expected] [--verbose]
//
// --builder           default buildah (this repo's CI); docker and podman work with the same fixtures
// --only NAME         run only this fixture (repeatable)
// --base-image F=T    build `FROM F` with image T instead (repeatable; overrides the defaults)
// --build-flag=FLAG   pass FLAG to every build command (e.g. --build-flag=--isolation=chroot for podman in a
//                     sandbox without cgroup access)
// --real-base-images  drop the default substitutions (node:20, debian:bookworm -> localhost/...), for a
//                     builder that can pull the real images
// --expected          build the hand-written `*.expected` files as the rewrite instead of dockmod's output
//                     (to check a fixture and the image comparison before dockmod gets it right)
// --verbose           show every line of the builders' output
// --jobs N            run the fixtures in N processes at once (default 1), each printing its own table when done
//
// The fixtures say `FROM node:20` and `FROM debian:bookworm`, as real projects do. No registry is reachable
// on the CI machines, so by default those names are mapped to localhost/node:local and
// localhost/debian:bookworm, which ../shared/tools/buildah-local-images.sh builds (it is run here when buildah
// or those images are missing; it is idempotent and takes about 100 s on a new machine).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const fixturesDir = path.join(here, 'fixtures');
const cli = path.join(repo, 'dist/src/cli.js');
const setupScript = path.resolve(repo, '../shared/tools/buildah-local-images.sh');

/**
 * What each fixture must show. `dockerfiles`: the Dockerfiles built (default `Dockerfile`), relative to the fixture,
 * which is the build context; each has `<name>.expected` beside it. `install` picks the dependency-install step by
 * its text (null: a fixture about the image, not the cache; its builds are still compared). `rerunsBefore`: whether
 * the original re-runs it after a source edit (apt-heavy installs before it copies anything, so it stays cached
 * in both; its rewrite merges the lone `apt-get update` for correctness, not for the cache). The first matching
 * step counts: where dockmod adds a fetch before the source copy (composer, poetry, maven, gradle), that fetch is the
 * one that must be cached after, while the original command after the copy re-runs in both.
 */
const FIXTURES = {
  'node-npm': { install: 'npm ci', rerunsBefore: true },
  'node-multi-stage': { install: 'npm ci', rerunsBefore: true },
  'node-pnpm': { install: 'pnpm install', rerunsBefore: true },
  'python-req': { install: 'pip install', rerunsBefore: true },
  'pip-find-links-wheels': { install: 'pip install', rerunsBefore: true, edit: 'app/main.py' },
  go: { install: 'go mod download', rerunsBefore: true },
  'apt-heavy': { install: 'apt-get install', rerunsBefore: false },
  'node-yarn': { install: 'yarn install', rerunsBefore: true },
  'node-yarn-berry': { install: 'yarn install', rerunsBefore: true },
  'node-bun': { install: 'bun install', rerunsBefore: true },
  'python-poetry': { install: 'poetry install', rerunsBefore: true },
  'python-pipenv': { install: 'pipenv install', rerunsBefore: true },
  'ruby-bundler': { install: 'bundle install', rerunsBefore: true },
  'elixir-mix': { install: 'mix deps.get', rerunsBefore: true },
  'java-maven': { install: 'RUN mvn', rerunsBefore: true },
  'java-gradle': { install: 'RUN gradle', rerunsBefore: true },
  'add-archive': { install: null, edit: 'notes.txt' },
  'apt-update-or-true': { install: null },
  'ignore-per-dockerfile': { install: 'npm ci', rerunsBefore: true, dockerfiles: ['docker/app.Dockerfile'] },
  // The rewrite's fetch (inserted before the source copy) is the first match there; the original has only its own step.
  'go-tidy-between': { install: /RUN go mod (download|tidy)/, rerunsBefore: true },
  'go-workspace-replace': { install: /RUN go (mod download|build)/, rerunsBefore: true, edit: 'app/main.go' },
  'gradle-chmod-between': { install: /\.\/gradlew (dependencies|build)/, rerunsBefore: true },
  'python-venv-between': { install: 'pip install', rerunsBefore: true },
  'python-poetry-manifests-after-sources': { install: 'poetry install', rerunsBefore: true },
  'composer-post-install': { install: 'composer install', rerunsBefore: true },
  'composer-mkdir-before-install': { install: 'composer install', rerunsBefore: true },
  'npm-patch-package': { install: 'npm ci', rerunsBefore: true },
  'npm-set-e-export': { install: 'npm ci', rerunsBefore: true },
  // The install's statement is the first match in both: the whole RUN in the original, the moved install in the rewrite.
  'npm-shell-errexit-statements': { install: 'npm ci', rerunsBefore: true, edit: 'src/message.txt' },
  'elixir-mix-path-dependency': { install: 'mix deps.get', rerunsBefore: true, edit: 'forum/lib/forum.ex' },
  'pnpm-patched-workspace': { install: 'pnpm install', rerunsBefore: true },
  'pnpm-workspace-unindented-list': { install: 'pnpm install', rerunsBefore: true, edit: 'apps/web/index.js' },
  // The rewrite's pnpm fetch (inserted before the source copy) is the first match there; the install stays after the copy.
  'pnpm-fetch-scripts-need-sources': { install: /RUN pnpm (fetch|install)/, rerunsBefore: true, edit: 'packages/app/src/index.js' },
  'yarn-berry-patch': { install: 'yarn install', rerunsBefore: true },
  'yarn-berry-pnp-host-files': { install: 'yarn install', rerunsBefore: true, edit: 'src/index.js' },
  // The rewrite's fetch under the same if (inserted before the source copy) is the first match there; the original has only its build.
  // Each also built with its build argument's default set (`ARG PREBUILT=1`), which takes the `then` branch.
  // The rewrite's fetch (the OS packages, then `go mod download`) is the first match there; the original's one RUN does both.
  'go-build-after-os-install-in-its-run': { install: /RUN apt-get update .*go (mod download|build)/, rerunsBefore: true },
  'go-build-in-else-branch': { install: { Dockerfile: /RUN if \[ -n "\$PREBUILT" \]; then .*go (mod download|build)/, 'Dockerfile.prebuilt': null }, rerunsBefore: true, dockerfiles: ['Dockerfile', 'Dockerfile.prebuilt'] },
  'npm-install-under-if': { install: { Dockerfile: 'npm ci', 'Dockerfile.skipped': null }, rerunsBefore: true, edit: 'src/index.js', dockerfiles: ['Dockerfile', 'Dockerfile.skipped'] },
  'ignore-shared': { install: { Dockerfile: null, 'Dockerfile.runtime': null }, rerunsBefore: true, dockerfiles: ['Dockerfile', 'Dockerfile.runtime'], edit: 'src/index.js' },
  // The final stage's OS install, after a copy of the program the build stage makes from the sources.
  'apt-after-stage-copy': { install: /apt-get install .*jq/, rerunsBefore: true, edit: 'main.go' },
};

const DEFAULT_BASE_IMAGES = {
  'node:20': 'localhost/node:local',
  'debian:bookworm': 'localhost/debian:bookworm',
};

const { values: args } = parseArgs({
  options: {
    builder: { type: 'string', default: 'buildah' },
    only: { type: 'string', multiple: true, default: [] },
    'base-image': { type: 'string', multiple: true, default: [] },
    'build-flag': { type: 'string', multiple: true, default: [] },
    'real-base-images': { type: 'boolean', default: false },
    expected: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    jobs: { type: 'string', default: '1' },
    // Internal, for --jobs: a shard leaves its images for the parent to remove and lists them in this file.
    'keep-images': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  const header = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 26);
  console.log(header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
if (!['buildah', 'docker', 'podman'].includes(args.builder)) fail(`--builder must be buildah, docker or podman, not ${args.builder}`);

const baseImages = args['real-base-images'] ? {} : { ...DEFAULT_BASE_IMAGES };
for (const pair of args['base-image']) {
  const at = pair.indexOf('=');
  if (at <= 0 || at === pair.length - 1) fail(`--base-image wants FROM=TO, not ${pair}`);
  baseImages[pair.slice(0, at)] = pair.slice(at + 1);
}

const started = Date.now();
const names = fs.readdirSync(fixturesDir).filter((n) => fs.statSync(path.join(fixturesDir, n)).isDirectory()).sort();
for (const name of names) if (!FIXTURES[name]) fail(`fixture ${name} has no entry in FIXTURES in ${path.relative(repo, fileURLToPath(import.meta.url))}`);
const unknown = args.only.filter((n) => !names.includes(n));
if (unknown.length) fail(`no such fixture: ${unknown.join(', ')} (have: ${names.join(', ')})`);
const selected = args.only.length ? names.filter((n) => args.only.includes(n)) : names;

ensureBuilder();
const jobs = Number(args.jobs);
if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs wants a whole number of 1 or more, not ${args.jobs}`);
const verifyModule = path.join(repo, 'dist/src/verify/verify.js');
if (!fs.existsSync(verifyModule)) fail(`${path.relative(repo, verifyModule)} is missing: run \`npm run build\` first`);
const { verify, findStep } = await import(pathToFileURL(verifyModule).href);
const { declarationsOf } = await import(pathToFileURL(path.join(repo, 'dist/src/verify/image-diff.js')).href);
const { builtinTransforms } = await import(pathToFileURL(path.join(repo, 'dist/transforms/index.js')).href);
if (!fs.existsSync(cli)) fail(`${path.relative(repo, cli)} is missing: run \`npm run build\` first`);
if (jobs > 1 && selected.length > 1) process.exit(await runShards(selected, jobs));

const rows = [];
/** The images and layers a shard's verify runs leave (--keep-images). */
const keptImages = [];
let failed = 0;
for (const name of selected) {
  const dir = path.join(fixturesDir, name);
  const spec = FIXTURES[name];
  const fixtureStart = Date.now();
  console.log(`\n=== ${name}`);
  const dockerfiles = spec.dockerfiles ?? ['Dockerfile'];
  let rewriting;
  try {
    rewriting = rewrite(name, dir, dockerfiles);
  } catch (error) {
    rewriting = { error };
  }
  for (const dockerfile of dockerfiles) {
    const label = dockerfiles.length > 1 || dockerfile !== 'Dockerfile' ? `${name} ${dockerfile}` : name;
    const row = { name: label, problems: [], report: null };
    rows.push(row);
    try {
      if (rewriting.error) throw rewriting.error;
      const { texts, files, transforms } = rewriting;
      const original = fs.readFileSync(path.join(dir, dockerfile), 'utf8');
      const expected = expectedFiles(dir);
      // Other files with an expected version (an ignore file) are checked with the fixture's first Dockerfile.
      const checked = dockerfile === dockerfiles[0] ? [dockerfile, ...Object.keys(expected).filter((f) => !dockerfiles.includes(f))] : [dockerfile];
      for (const file of checked) {
        const actual = file === dockerfile ? texts[dockerfile] : (files[file] ?? readIfExists(path.join(dir, file)) ?? '(no such file)');
        if (actual !== expected[file]) row.problems.push(`dockmod's ${file} differs from ${file}.expected:\n${lineDiff(expected[file], actual).join('\n')}`);
      }
      const otherExpected = Object.fromEntries(Object.entries(expected).filter(([f]) => !dockerfiles.includes(f)));
      const rewritten = args.expected ? expected[dockerfile] : texts[dockerfile];
      const report = await verify({
        contextDir: dir,
        dockerfile,
        original,
        rewritten,
        rewrittenFiles: args.expected ? otherExpected : files,
        declared: declarationsOf(transforms, builtinTransforms),
        ...(spec.edit ? { editFile: spec.edit } : {}),
        builder: args.builder,
        baseImages,
        verbose: args.verbose,
        buildArgs: args['build-flag'],
        timeoutSeconds: 600,
        log: (line) => console.log(`[${label}] ${line}`),
        ...(args['keep-images'] ? { keepImages: (built) => keptImages.push(built) } : {}),
      });
      row.report = report;
      console.log(`[${label}] edited ${report.editFile}`);
      if (report.image.verdict === 'different') row.problems.push(`the images differ: ${report.image.summary}`);
      // A RegExp is an object too: only a plain object maps Dockerfiles to their patterns.
      const install = spec.install && typeof spec.install === 'object' && !(spec.install instanceof RegExp) ? spec.install[dockerfile] : spec.install;
      if (install) {
        const before = findStep(report.original.rebuild, install);
        const after = findStep(report.rewritten.rebuild, install);
        if (!before) row.problems.push(`no step matching "${install}" in the original's rebuild`);
        else if (before.cached === spec.rerunsBefore) {
          row.problems.push(`original: "${before.text}" was ${before.cached ? 'cached' : 're-run'} after the edit, expected ${spec.rerunsBefore ? 're-run' : 'cached'}`);
        }
        if (!after) row.problems.push(`no step matching "${install}" in the rewritten rebuild`);
        else if (!after.cached) row.problems.push(`rewritten: "${after.text}" re-ran after the edit, expected cached`);
      }
      // The edit must be seen at all, or the test proves nothing.
      for (const variant of ['original', 'rewritten']) {
        const rebuild = report[variant].rebuild;
        if (rebuild.steps > 0 && rebuild.cached === rebuild.steps) row.problems.push(`${variant}: every step was cached after editing ${report.editFile}, so the edit was not seen`);
      }
    } catch (error) {
      row.problems.push(`error: ${error.message}`);
    }
    if (row.problems.length) failed++;
    for (const p of row.problems) console.log(`[${label}] FAIL ${p}`);
    console.log(`[${label}] ${row.problems.length ? 'FAILED' : 'ok'} in ${((Date.now() - fixtureStart) / 1000).toFixed(1)}s`);
  }
}

// The same check as users run it: `dockmod verify`, on one fixture, through the CLI. A shard leaves it to the
// parent, which runs it when no other build is going on (the CLI run removes its images as it ends).
if (selected.includes('node-npm') && !args['keep-images'] && checkVerifyCommand(rows)) failed++;
if (args['keep-images']) fs.writeFileSync(args['keep-images'], JSON.stringify(keptImages));

printTable(rows);
const total = (Date.now() - started) / 1000;
console.log(`\ntotal wall time ${total.toFixed(1)}s with ${args.builder}`);
console.log(`builds: ${rows.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// ---------------------------------------------------------------------------------------------------

function fail(message) {
  console.error(`test:builds: ${message}`);
  process.exit(2);
}

/** Runs `dockmod verify` on the node-npm fixture through the CLI and adds its row to `list`; true when it failed. */
function checkVerifyCommand(list) {
  console.log('\n=== dockmod verify (CLI)');
  const imageArgs = Object.entries(baseImages).flatMap(([from, to]) => ['--base-image', `${from}=${to}`]);
  const r = spawnSync(process.execPath, [cli, 'verify', path.join(fixturesDir, 'node-npm', 'Dockerfile'), '--builder', args.builder, ...imageArgs], { encoding: 'utf8', timeout: 600_000 });
  console.log(r.stdout.trim());
  const rewrittenRerun = /re-ran after the edit, rewritten: (.*)/.exec(r.stdout)?.[1] ?? '';
  const originalRerun = /re-ran after the edit, original: +(.*)/.exec(r.stdout)?.[1] ?? '';
  const problems = [];
  if (r.status !== 0) problems.push(`exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  if (!originalRerun.includes('npm ci')) problems.push(`the original's npm ci did not re-run: ${originalRerun}`);
  if (!rewrittenRerun || rewrittenRerun.includes('npm ci')) problems.push(`the rewrite's npm ci was not cached: ${rewrittenRerun}`);
  const images = /^images: (.*)$/m.exec(r.stdout)?.[1] ?? '';
  if (!images.startsWith('identical')) problems.push(`the images line says: ${images || '(none)'}`);
  for (const p of problems) console.log(`[verify] FAIL ${p}`);
  list.push({ name: 'dockmod verify', problems, report: null });
  return problems.length > 0;
}

/**
 * Runs the fixtures in `jobs` child processes of this script (each given its share with --only and the same
 * other options), their output kept apart and printed as each one ends; the exit code of the worst.
 */
async function runShards(names, jobs) {
  const shards = Array.from({ length: Math.min(jobs, names.length) }, () => []);
  names.forEach((name, k) => shards[k % shards.length].push(name));
  const passed = process.argv.slice(2).filter((a, k, all) => !/^--(jobs|only)(=|$)/.test(a) && !/^--(jobs|only)$/.test(all[k - 1] ?? ''));
  const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-builds-kept-'));
  const codes = await Promise.all(
    shards.map(
      (shard, k) =>
        new Promise((resolve) => {
          const list = path.join(kept, `${k}.json`);
          const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...passed, '--keep-images', list, ...shard.flatMap((n) => ['--only', n])], { stdio: ['ignore', 'pipe', 'pipe'] });
          const out = [];
          child.stdout.on('data', (d) => out.push(d));
          child.stderr.on('data', (d) => out.push(d));
          child.on('close', (code) => {
            process.stdout.write(`\n##### fixtures ${shard.join(', ')}\n${Buffer.concat(out).toString()}`);
            resolve(code ?? 1);
          });
        }),
    ),
  );
  // Every build is done: the shards' images can go now, each shard's newest first (twice, for layers one shard
  // built on another's).
  const runs = fs.readdirSync(kept).flatMap((f) => JSON.parse(fs.readFileSync(path.join(kept, f), 'utf8')));
  fs.rmSync(kept, { recursive: true, force: true });
  const { removeBuiltImages } = await import(pathToFileURL(verifyModule).href);
  removeBuiltImages(args.builder, runs, () => {});
  removeBuiltImages(args.builder, runs.map((r) => ({ tags: [], layers: r.layers })), (line) => console.log(line));
  const cliRows = [];
  const cliFailed = names.includes('node-npm') && checkVerifyCommand(cliRows);
  console.log(`\n${jobs} jobs, total wall time ${((Date.now() - started) / 1000).toFixed(1)}s; ${codes.filter((c) => c !== 0).length} of ${shards.length} shards failed${cliRows.length ? `; dockmod verify (CLI) ${cliFailed ? 'failed' : 'ok'}` : ''}`);
  return Math.max(...codes, cliFailed ? 1 : 0);
}

/** Makes sure the builder can run; for buildah also builds the local base images when they are missing. */
function ensureBuilder() {
  const has = (bin, a) => {
    const r = spawnSync(bin, a, { stdio: 'ignore', timeout: 30_000 });
    return !r.error && r.status === 0;
  };
  if (args.builder !== 'buildah') {
    if (!has(args.builder, args.builder === 'docker' ? ['version', '--format', '{{.Server.Version}}'] : ['--version'])) {
      fail(`${args.builder} is not usable here (for docker: is the daemon running?)`);
    }
    const local = Object.values(baseImages).filter((i) => i.startsWith('localhost/'));
    if (local.length) console.log(`note: the fixtures build from ${local.join(', ')}; with ${args.builder} these must exist, or pass --real-base-images / --base-image`);
    return;
  }
  const local = [...new Set(Object.values(baseImages).filter((i) => i.startsWith('localhost/')))];
  const haveImage = (img) => {
    const r = spawnSync('buildah', ['--storage-driver', 'overlay', 'images', '-q', img], { encoding: 'utf8', timeout: 30_000 });
    return r.status === 0 && r.stdout.trim() !== '';
  };
  const missing = !has('buildah', ['--version']) ? ['buildah'] : local.filter((i) => !haveImage(i));
  if (!missing.length) return;
  if (!fs.existsSync(setupScript)) fail(`missing ${missing.join(', ')}, and the setup script ${setupScript} is not there`);
  if (process.getuid && process.getuid() !== 0) fail(`missing ${missing.join(', ')}; run ${setupScript} as root first`);
  console.log(`missing ${missing.join(', ')}: running ${path.relative(repo, setupScript)}`);
  const s = Date.now();
  // The script is idempotent; under its pipefail, `buildah version | head -1` sometimes ends it with SIGPIPE (141).
  let r;
  for (let attempt = 1; attempt <= 3; attempt++) {
    r = spawnSync('bash', [setupScript], { stdio: 'inherit' });
    if (r.status !== 141) break;
    console.log(`the setup script ended with SIGPIPE (exit 141), try ${attempt} of 3`);
  }
  if (r.status !== 0) fail(`${setupScript} failed (exit ${r.status})`);
  console.log(`setup done in ${((Date.now() - s) / 1000).toFixed(1)}s`);
  const still = local.filter((i) => !haveImage(i));
  if (still.length) fail(`still missing after the setup script: ${still.join(', ')}`);
}

/**
 * The rewritten Dockerfiles, the other context files dockmod changed and the ids of the transforms it applied:
 * `dockmod --write --format json` over all of the fixture's Dockerfiles at once, on a copy of the fixture.
 */
function rewrite(name, dir, dockerfiles) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `dockmod-fixture-${name}-`));
  try {
    fs.cpSync(dir, tmp, { recursive: true, filter: (src) => !src.endsWith('.expected') });
    const r = spawnSync(process.execPath, [cli, ...dockerfiles.map((d) => path.join(tmp, d)), '--context', tmp, '--write', '--verbose', '--format', 'json'], { encoding: 'utf8', timeout: 120_000 });
    const output = r.stderr.trim();
    if (output) console.log(output.split('\n').map((l) => `[${name}] dockmod: ${l}`).join('\n'));
    if (r.status !== 0) throw new Error(`dockmod --write exited ${r.status}`);
    const transforms = new Set(JSON.parse(r.stdout).files.flatMap((f) => f.changes.map((c) => c.transform)));
    console.log(`[${name}] applied: ${[...transforms].join(', ') || 'nothing'}`);
    const texts = Object.fromEntries(dockerfiles.map((d) => [d, fs.readFileSync(path.join(tmp, d), 'utf8')]));
    // Other files dockmod wrote (e.g. .dockerignore) go into the rewritten builds' context.
    const files = {};
    for (const rel of listFiles(tmp)) {
      if (dockerfiles.includes(rel)) continue;
      const now = fs.readFileSync(path.join(tmp, rel), 'utf8');
      const was = fs.existsSync(path.join(dir, rel)) ? fs.readFileSync(path.join(dir, rel), 'utf8') : undefined;
      if (now !== was) files[rel] = now;
    }
    if (Object.keys(files).length) console.log(`[${name}] dockmod also changed: ${Object.keys(files).join(', ')}`);
    return { texts, files, transforms };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The fixture's hand-written results: `X.expected` holds what X must be after dockmod, by X. */
function expectedFiles(dir) {
  return Object.fromEntries(listFiles(dir).filter((f) => f.endsWith('.expected')).map((f) => [f.slice(0, -'.expected'.length), fs.readFileSync(path.join(dir, f), 'utf8')]));
}

function readIfExists(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

function listFiles(root, rel = '') {
  return fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
    const child = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(root, child) : e.isFile() ? [child] : [];
  });
}

/** A minimal line diff (expected vs actual) for notes: lines only in one of them. */
function lineDiff(expected, actual) {
  const a = expected.split('\n');
  const b = actual.split('\n');
  return [...a.filter((l) => !b.includes(l)).map((l) => `- ${l}`), ...b.filter((l) => !a.includes(l)).map((l) => `+ ${l}`)];
}

function printTable(list) {
  const header = ['fixture', 'edited file', 'first before', 'first after', 'rebuild before', 'rebuild after', 'cached before', 'cached after', 'ratio', 'images', 'result'];
  const body = list.map((r) => {
    const rep = r.report;
    const s = (run) => (run ? `${run.seconds.toFixed(2)}s` : '-');
    const c = (run) => (run ? `${run.cached}/${run.steps}` : '-');
    const ratio = rep && rep.original.rebuild.seconds > 0 ? (rep.rewritten.rebuild.seconds / rep.original.rebuild.seconds).toFixed(2) : '-';
    const image = rep?.image ? `${rep.image.verdict}${rep.image.verdict === 'identical except declared' ? ` (${rep.image.declared.reduce((n, d) => n + d.paths, 0)})` : rep.image.verdict === 'different' ? ` (${rep.image.undeclared.length})` : ''}${rep.noiseBuild ? ' +noise build' : ''}` : '-';
    return [r.name, rep?.editFile ?? '-', s(rep?.original.first), s(rep?.rewritten.first), s(rep?.original.rebuild), s(rep?.rewritten.rebuild), c(rep?.original.rebuild), c(rep?.rewritten.rebuild), ratio, image, r.problems.length ? 'FAIL' : 'ok'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of body) console.log(line(row));
  console.log('(before = original Dockerfile, after = dockmod\'s rewrite; ratio = rebuild after / rebuild before; cached = steps from cache / steps, FROM not counted;');
  console.log(' images = the first builds\' file systems compared, (N) paths declared or undeclared, +noise build: one more uncached build of the original measured the noise)');
}
