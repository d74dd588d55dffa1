// verify: real builds as the oracle. Builds the original and the rewritten Dockerfile with a real builder
// (buildah, docker or podman), "edits" one source file as a developer would, rebuilds both, and reports which
// steps the builder took from its cache and how long each build took.
//
// It knows nothing of the engine: it receives the two Dockerfile texts. The user's files are never modified:
// the build context is copied to a temporary folder per variant, and the Dockerfile is written next to (not
// inside) that copy, so it does not become part of `COPY . .`.
//
// Builder choice when none is given: docker when its daemon answers, else podman, else buildah. A docker CLI
// without a reachable daemon (common in CI containers) is skipped. That is the builder the user most likely
// builds with, and each builder has its own cache, so measuring with another one would say little about theirs.
//
// Cache hits are read from the builder's own output:
//   buildah / podman:            `STEP 3/5: COPY . .` ... `--> Using cache <id>`
//   docker (BuildKit, plain):    `#7 [3/5] COPY . .` ... `#7 CACHED`
//   docker (legacy builder):     `Step 3/5 : COPY . .` ... ` ---> Using cache`
// FROM steps are not counted. BuildKit shows only the steps that make a layer (RUN, COPY, ADD, WORKDIR), so
// counts differ between builders; compare runs of one builder only.
//
// Images: the two first builds' file systems are compared (src/image-manifest.ts, src/image-diff.ts): buildah
// mounts a working container, docker and podman export a created one. Noise is measured with the original's
// rebuild, plus one build of the original without the cache when the rewrite changed a step the rebuild kept;
// what is left must be declared by the applied transforms.
//
// Cleaning up: the temporary folders and the images verify tagged are removed. buildah and podman also drop the
// untagged parent layers that only those images used; docker keeps BuildKit's build cache (that is its own).
// The edit appends a comment with a random nonce, so that no cache left by an earlier run can match it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isInside, LINK_OUT_OF_CONTEXT, readInside, readTreeFile, realFolder } from '../contexts/tree-files.js';
import { isDockerfileName } from '../contexts/file-names.js';
import { manifestFromDir, manifestFromTar, type ImageManifest } from './image-manifest.js';
import { compareImages, measureNoise, type Declaration, type ImageComparison } from './image-diff.js';

export type BuilderName = 'buildah' | 'docker' | 'podman';

/** The order in which builders are tried when none is given. */
export const BUILDER_PREFERENCE: readonly BuilderName[] = ['docker', 'podman', 'buildah'];

export interface VerifyOptions {
  /** The build context folder. */
  contextDir: string;
  /** Original Dockerfile text. */
  original: string;
  /** dockmod's output text. */
  rewritten: string;
  /**
   * Where the Dockerfile lives (absolute, or relative to contextDir). Its own ignore file `<Dockerfile>.dockerignore`
   * then applies instead of the context's `.dockerignore`, as with BuildKit and buildah. Default: none.
   */
  dockerfile?: string;
  /** Default: the first usable of docker (daemon answering), podman, buildah. */
  builder?: BuilderName;
  /**
   * Context-relative file to "edit" (a comment is appended). Default: a source file that is not a manifest or
   * lockfile, not excluded by .dockerignore, and not named by a COPY/ADD source other than the whole context.
   */
  editFile?: string;
  /** FROM (and COPY --from) image substitutions, e.g. {"node:20": "localhost/node:local"}. */
  baseImages?: Record<string, string>;
  /** Files the rewrite also changes in the context (e.g. `.dockerignore`), written into the rewritten copy only. */
  rewrittenFiles?: Record<string, string>;
  /** buildah/podman `--storage-driver`. Default: `overlay` for buildah (as the base images were made), none for podman. */
  storageDriver?: string | null;
  /** Extra arguments for every build command, before the context folder (e.g. `--network=host`). */
  buildArgs?: string[];
  /** Seconds one build may take before it is stopped and reported as failed. Default 900. */
  timeoutSeconds?: number;
  /** Progress messages. */
  log?: (line: string) => void;
  /**
   * Hands over the images and layers the builds made instead of removing them, for a caller that runs several
   * verify runs at once on one storage: removing a layer while another build looks it up in its cache fails that
   * build, so it removes them all when every run is done (removeBuiltImages). An interrupted run still removes its own.
   */
  keepImages?: (built: BuiltImages) => void;
  /** Also pass every line of the builders' output to `log`. */
  verbose?: boolean;
  /** What the applied transforms declare they may change in the image (`declarationsOf`). */
  declared?: readonly Declaration[];
  /** Compare the two first builds' file systems (default true). */
  compareImages?: boolean;
}

export interface BuildStep {
  text: string;
  cached: boolean;
}

export interface BuildRun {
  seconds: number;
  /** Steps other than FROM. */
  steps: number;
  cached: number;
  stepLog: BuildStep[];
}

/** What one verify run tagged and which layers its builds committed (buildah, podman). */
export interface BuiltImages {
  tags: string[];
  layers: string[];
}

export interface VerifyReport {
  editFile: string;
  builder: BuilderName;
  original: { first: BuildRun; rebuild: BuildRun };
  rewritten: { first: BuildRun; rebuild: BuildRun };
  /** The original built once more without the cache, when the rebuild did not re-run what the rewrite changed. */
  noiseBuild?: BuildRun;
  /** The original's first image against the rewrite's, noise measured and declared differences allowed. */
  image?: ImageComparison;
}

// ------------------------------------------------------------------------------------------ builders

interface BuilderSpec {
  /** Arguments before the build's own: global flags and the subcommand. */
  build(o: { storageDriver: string | null }): string[];
  remove(o: { storageDriver: string | null }): string[];
  /** Lists the full ids of all images (buildah and podman, whose builds leave one image per step). */
  listAll?(o: { storageDriver: string | null }): string[];
  /** The file system of a built image. */
  manifest(builder: BuilderName, image: string, o: { storageDriver: string | null; hashes: Map<string, string> }): Promise<ImageManifest>;
}

const BUILDER_SPECS: Record<BuilderName, BuilderSpec> = {
  buildah: {
    build: ({ storageDriver }) => [...driverArgs(storageDriver), 'bud', '--layers', '--force-rm', '--isolation', 'chroot'],
    remove: ({ storageDriver }) => [...driverArgs(storageDriver), 'rmi'],
    listAll: ({ storageDriver }) => [...driverArgs(storageDriver), 'images', '--all', '--quiet', '--no-trunc'],
    manifest: async (_, image, { storageDriver, hashes }) => mountedManifest(image, storageDriver, hashes),
  },
  podman: {
    build: ({ storageDriver }) => [...driverArgs(storageDriver), 'build', '--layers', '--force-rm'],
    remove: ({ storageDriver }) => [...driverArgs(storageDriver), 'rmi'],
    listAll: ({ storageDriver }) => [...driverArgs(storageDriver), 'images', '--all', '--quiet', '--no-trunc'],
    manifest: (builder, image, { storageDriver }) => exportedManifest(builder, image, driverArgs(storageDriver)),
  },
  docker: {
    build: () => ['build', '--progress=plain'],
    remove: () => ['rmi', '--force'],
    manifest: (builder, image) => exportedManifest(builder, image, []),
  },
};

function checked(bin: string, args: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000 });
  if (r.error || r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.error?.message ?? tail(`${r.stderr ?? ''}`, 3)}`);
  return r.stdout.trim();
}

/**
 * sha256 of the files of mounted layers, for the whole process: the base images' files keep their inodes from one
 * verify run to the next, so a suite over many fixtures hashes them once (see manifestFromDir).
 */
const layerFileHashes = new Map<string, string>();

/** buildah (as root): a working container on the image, mounted, walked, then removed. */
function mountedManifest(image: string, storageDriver: string | null, hashes: Map<string, string>): ImageManifest {
  const buildah = (...args: string[]) => checked('buildah', [...driverArgs(storageDriver), ...args]);
  const container = buildah('from', '--pull=never', '--quiet', image);
  try {
    return manifestFromDir(buildah('mount', container), hashes);
  } finally {
    spawnSync('buildah', [...driverArgs(storageDriver), 'rm', container], { stdio: 'ignore', timeout: 120_000 });
  }
}

/** docker and podman (rootless too): a container created (never started) on the image, exported as one tar. */
async function exportedManifest(builder: BuilderName, image: string, globalArgs: string[]): Promise<ImageManifest> {
  const container = checked(builder, [...globalArgs, 'create', '--pull=never', image, 'true']);
  try {
    const child = spawn(builder, [...globalArgs, 'export', container], { stdio: ['ignore', 'pipe', 'pipe'] });
    const errors: string[] = [];
    child.stderr.on('data', (d: Buffer) => errors.push(d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const manifest = await manifestFromTar(child.stdout);
    if ((await exited) !== 0) throw new Error(`${builder} export ${container} failed: ${tail(errors.join(''), 3)}`);
    return manifest;
  } finally {
    spawnSync(builder, [...globalArgs, 'rm', container], { stdio: 'ignore', timeout: 120_000 });
  }
}

function driverArgs(driver: string | null): string[] {
  return driver ? ['--storage-driver', driver] : [];
}

function dockerHasProgressFlag(): boolean {
  const help = spawnSync('docker', ['build', '--help'], { encoding: 'utf8', timeout: 15_000 });
  return /--progress\b/.test(`${help.stdout ?? ''}${help.stderr ?? ''}`);
}

/** Whether a builder can build here: docker needs an answering daemon, buildah and podman only their binary. */
export function builderUsable(name: BuilderName): boolean {
  const args = name === 'docker' ? ['version', '--format', '{{.Server.Version}}'] : ['--version'];
  const probe = spawnSync(name, args, { stdio: 'ignore', timeout: 15_000 });
  return !probe.error && probe.status === 0;
}

/** The first usable builder in BUILDER_PREFERENCE order, or null. */
export function detectBuilder(): BuilderName | null {
  return BUILDER_PREFERENCE.find(builderUsable) ?? null;
}

// ------------------------------------------------------------------------------------------ build logs

const OCI_STEP = /^(?:\[\d+\/\d+\] )?STEP \d+\/\d+: (.*)$/; // buildah, podman
const OCI_CACHED = /^--> Using cache\b/;
const LEGACY_STEP = /^Step \d+\/\d+ : (.*)$/; // docker's legacy builder
const LEGACY_CACHED = /^ ---> Using cache\b/;
const BUILDKIT_STEP = /^#(\d+) \[(?:[^\]\s]+ )?\d+\/\d+\] (.*)$/; // `#7 [3/5] COPY . .`, `#9 [build 2/4] RUN ...`
const BUILDKIT_CACHED = /^#(\d+) CACHED\s*$/;

const isFrom = (text: string) => /^FROM\s/i.test(text);

/** The steps of a build, in order, from a builder's combined output. FROM steps are left out. */
export function parseBuildLog(output: string): BuildStep[] {
  const lines = output.split(/\r?\n/);
  if (lines.some((l) => BUILDKIT_STEP.test(l))) {
    const byId = new Map<string, BuildStep>();
    for (const line of lines) {
      const step = BUILDKIT_STEP.exec(line);
      if (step && !byId.has(step[1]!)) byId.set(step[1]!, { text: step[2]!.trim(), cached: false });
      const hit = BUILDKIT_CACHED.exec(line);
      if (hit && byId.has(hit[1]!)) byId.get(hit[1]!)!.cached = true;
    }
    return [...byId.values()].filter((s) => !isFrom(s.text));
  }
  const legacy = lines.some((l) => LEGACY_STEP.test(l));
  const stepRe = legacy ? LEGACY_STEP : OCI_STEP;
  const cachedRe = legacy ? LEGACY_CACHED : OCI_CACHED;
  const steps: BuildStep[] = [];
  let current: BuildStep | null = null;
  for (const line of lines) {
    const step = stepRe.exec(line);
    if (step) {
      current = { text: step[1]!.trim(), cached: false };
      steps.push(current);
    } else if (current && cachedRe.test(line)) {
      current.cached = true;
    }
  }
  return steps.filter((s) => !isFrom(s.text));
}

/** Ids of the layers a buildah or podman build committed (`--> 0ecc3d7500a`), not those it took from the cache. */
export function committedLayers(output: string): string[] {
  const ids: string[] = [];
  let cachedId: string | null = null;
  for (const line of output.split(/\r?\n/)) {
    const hit = /^--> Using cache ([0-9a-f]{12,})/.exec(line);
    if (hit) cachedId = hit[1]!;
    const made = /^--> ([0-9a-f]{10,64})\s*$/.exec(line);
    if (made && !(cachedId && cachedId.startsWith(made[1]!))) ids.push(made[1]!);
    if (made) cachedId = null;
  }
  return ids;
}

const normalizeStep = (text: string) => text.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim();

/**
 * The first step whose text contains `match` (whitespace and line continuations normalized), or that the regular
 * expression matches; undefined when none does.
 */
export function findStep(run: BuildRun, match: string | RegExp): BuildStep | undefined {
  if (typeof match === 'string') {
    const wanted = normalizeStep(match);
    return run.stepLog.find((s) => normalizeStep(s.text).includes(wanted));
  }
  return run.stepLog.find((s) => match.test(s.text));
}

/** Whether the step matched by text was a cache hit in `run`; undefined when no step matches. */
export function stepCached(run: BuildRun, match: string | RegExp): boolean | undefined {
  return findStep(run, match)?.cached;
}

// ------------------------------------------------------------------------------------------ base images

/** Replaces the images of FROM lines and `--from=` flags that appear in `map`; stage names are left alone. */
export function substituteBaseImages(dockerfile: string, map: Record<string, string> | undefined): string {
  if (!map || Object.keys(map).length === 0) return dockerfile;
  const stages = new Set([...dockerfile.matchAll(/^\s*FROM\s.*\sAS\s+(\S+)\s*$/gim)].map((m) => m[1]!.toLowerCase()));
  const swap = (image: string) => (stages.has(image.toLowerCase()) ? image : (map[image] ?? image));
  return dockerfile
    .split(/(?<=\n)/)
    .map((line) => {
      const from = /^(\s*FROM\s+(?:--\S+\s+)*)(\S+)(.*)$/is.exec(line);
      if (from) return `${from[1]}${swap(from[2]!)}${from[3]}`;
      if (/^\s*(COPY|ADD|RUN)\s/i.test(line)) return line.replace(/(--(?:from|mount=[^\s]*?from)=)([^\s,]+)/gi, (_, flag: string, image: string) => `${flag}${swap(image)}`);
      return line;
    })
    .join('');
}

// ------------------------------------------------------------------------------------------ .dockerignore

interface IgnoreRule {
  negate: boolean;
  re: RegExp;
}

/** A small .dockerignore matcher: `*`, `?`, `**`, `[...]`, `!` exceptions, leading `/`, last match wins. */
function ignoreRules(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = path.posix.normalize(line.replace(/\\/g, '/')).replace(/^\/+/, '').replace(/\/+$/, '');
    if (!line || line === '.') continue;
    let re = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '*' && line[i + 1] === '*') {
        i++;
        if (line[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else if (c === '[') {
        const end = line.indexOf(']', i + 1);
        if (end < 0) re += '\\[';
        else {
          re += `[${line.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
          i = end;
        }
      } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    // A pattern that names a folder also excludes everything in it.
    rules.push({ negate, re: new RegExp(`^${re}(?:/.*)?$`) });
  }
  return rules;
}

function isIgnored(rules: IgnoreRule[], relPath: string): boolean {
  let ignored = false;
  for (const rule of rules) if (rule.re.test(relPath)) ignored = !rule.negate;
  return ignored;
}

// ------------------------------------------------------------------------------------------ context files

/** Files of the context (relative, `/`-separated), leaving out what .dockerignore excludes. */
function contextFiles(root: string, rules: IgnoreRule[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === '.git' || (isIgnored(rules, child) && !rules.some((r) => r.negate))) continue;
        walk(child);
      } else if (entry.isFile() && !isIgnored(rules, child)) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** Copies the context with its mtimes, leaving out folders .dockerignore excludes (when it has no `!` exceptions) and `.git`. */
function copyContext(from: string, to: string, rules: IgnoreRule[]): void {
  const root = path.resolve(from);
  const pruneIgnored = !rules.some((r) => r.negate);
  fs.cpSync(root, to, {
    recursive: true,
    verbatimSymlinks: true,
    // The copies of both variants keep the context's own mtimes, as a build of the user's folder sees them: some
    // tools record them (Mix's compile manifest), so copies made a second apart would differ for no other reason.
    preserveTimestamps: true,
    filter: (src) => {
      const rel = path.relative(root, src).split(path.sep).join('/');
      if (!rel) return true;
      if (rel === '.git' || rel.startsWith('.git/')) return false;
      return !(pruneIgnored && isIgnored(rules, rel));
    },
  });
}

/** Names of dependency manifests and lockfiles: editing them is not a source edit. */
const MANIFESTS = new Set([
  'package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'pnpm-workspace.yaml',
  '.npmrc', '.yarnrc', '.yarnrc.yml', 'bun.lockb', 'bun.lock', 'Pipfile', 'Pipfile.lock', 'pyproject.toml',
  'poetry.lock', 'uv.lock', 'pdm.lock', 'setup.py', 'setup.cfg', 'go.mod', 'go.sum', 'go.work', 'go.work.sum',
  'Gemfile', 'Gemfile.lock', 'Cargo.toml', 'Cargo.lock', 'composer.json', 'composer.lock', 'pom.xml',
  'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'gradle.properties', 'mix.exs',
  'mix.lock', 'packages.lock.json', 'Directory.Packages.props', 'deno.json', 'deno.lock',
]);
const isManifest = (base: string) => MANIFESTS.has(base) || /^(requirements|constraints)[\w.-]*\.(txt|in)$/i.test(base) || /\.(csproj|fsproj|vbproj)$/.test(base);
const isDockerFile = (base: string) => isDockerfileName(base) || /(^|\.)dockerfile(\.|$)|^containerfile/i.test(base) || /\.?dockerignore$/i.test(base);

const SOURCE_EXTENSIONS = new Set([
  '.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx', '.vue', '.svelte', '.py', '.go', '.rb', '.java',
  '.kt', '.scala', '.rs', '.c', '.cc', '.cpp', '.h', '.hpp', '.cs', '.fs', '.php', '.ex', '.exs', '.swift', '.sh',
  '.pl', '.lua', '.dart', '.clj', '.hs', '.r', '.css', '.scss', '.html',
]);

/** Sources named one by one (or by a glob) by COPY/ADD: editing those shows nothing about `COPY . .`. */
function namedCopySources(dockerfile: string, contextRoot: string): RegExp[] {
  const out: RegExp[] = [];
  const text = dockerfile.replace(/\\\r?\n/g, ' ');
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    let args: string[];
    const rest = m[1]!.replace(/^(?:--\S+\s+)*/, '').trim();
    if (/--from=/i.test(m[1]!)) continue;
    if (rest.startsWith('[')) {
      try {
        args = JSON.parse(rest) as string[];
      } catch {
        continue;
      }
    } else args = rest.split(/\s+/);
    for (const source of args.slice(0, -1)) {
      const rel = path.posix.normalize(source.replace(/^\.\//, '')).replace(/\/$/, '');
      if (!rel || rel === '.' || /^[a-z]+:\/\//i.test(source)) continue;
      const full = path.join(contextRoot, rel);
      if (!/[*?[]/.test(rel) && fs.existsSync(full) && fs.statSync(full).isDirectory()) continue;
      out.push(ignoreRules(rel)[0]!.re);
    }
  }
  return out;
}

/** The file verify edits when none is given, or throws when the context has none that would do. */
export function chooseEditFile(contextDir: string, dockerfiles: string[], ignoreText = readContextFile(contextDir, '.dockerignore') ?? ''): string {
  const rules = ignoreRules(ignoreText);
  const named = dockerfiles.flatMap((d) => namedCopySources(d, contextDir));
  const candidates = contextFiles(contextDir, rules).filter((f) => {
    const base = path.posix.basename(f);
    return !isManifest(base) && !isDockerFile(base) && !named.some((re) => re.test(f));
  });
  const rank = (f: string) => {
    const base = path.posix.basename(f);
    if (f.split('/').some((part) => part.startsWith('.'))) return 3;
    if (SOURCE_EXTENSIONS.has(path.posix.extname(base).toLowerCase())) return 0;
    return commentFor(f) ? 1 : 2;
  };
  const depth = (f: string) => f.split('/').length;
  const empty = (f: string) => (fs.statSync(path.join(contextDir, f)).size === 0 ? 1 : 0);
  candidates.sort((a, b) => rank(a) - rank(b) || empty(a) - empty(b) || depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (!candidates[0]) {
    throw new Error(`no source file to edit in ${contextDir}: every file is a manifest, a Dockerfile, excluded by .dockerignore or copied by name; pass editFile`);
  }
  return candidates[0];
}

/** A comment line in the file's own syntax, or null when it has none we know. */
function commentFor(file: string): ((text: string) => string) | null {
  const ext = path.posix.extname(file).toLowerCase();
  const base = path.posix.basename(file);
  if (['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx', '.go', '.java', '.kt', '.scala', '.rs', '.c', '.cc', '.cpp', '.h', '.hpp', '.cs', '.fs', '.php', '.swift', '.dart', '.css', '.scss'].includes(ext)) return (t) => `// ${t}`;
  if (['.py', '.rb', '.sh', '.pl', '.r', '.ex', '.exs', '.yaml', '.yml', '.toml', '.conf', '.cfg', '.ini', '.txt'].includes(ext) || base === 'Makefile') return (t) => `# ${t}`;
  if (['.md', '.html', '.xml', '.svg', '.vue', '.svelte'].includes(ext)) return (t) => `<!-- ${t} -->`;
  if (['.lua', '.hs', '.sql'].includes(ext)) return (t) => `-- ${t}`;
  if (ext === '.clj') return (t) => `;; ${t}`;
  return null;
}

/** Appends a comment (or, for a file without known comment syntax, a newline) to a file. */
function editSource(file: string, nonce: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const comment = commentFor(file.split(path.sep).join('/'));
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  fs.writeFileSync(file, comment ? `${text}${sep}${comment(`dockmod verify: simulated edit ${nonce}`)}\n` : `${text}\n`);
}

/** A file of the context, when it is a regular file inside it (not through a link out, not a named pipe). */
function readContextFile(contextDir: string, rel: string): string | undefined {
  const bytes = readInside(path.join(contextDir, rel), realFolder(contextDir), LINK_OUT_OF_CONTEXT);
  return Buffer.isBuffer(bytes) ? bytes.toString('utf8') : undefined;
}

// ------------------------------------------------------------------------------------------ running builds

interface Exec {
  code: number | null;
  output: string;
  seconds: number;
  timedOut: boolean;
  spawnError?: Error;
}

/** Runs a command with stdout and stderr merged in order (through sh where there is one). */
function run(bin: string, args: string[], o: { timeoutSeconds: number; onLine?: (line: string) => void; onSpawn?: (child: ChildProcess) => void }): Promise<Exec> {
  const started = process.hrtime.bigint();
  const viaShell = process.platform !== 'win32' && fs.existsSync('/bin/sh');
  const child = viaShell
    ? spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  let partial = '';
  const onData = (data: Buffer) => {
    const text = data.toString('utf8');
    chunks.push(text);
    if (!o.onLine) return;
    const lines = (partial + text).split(/\r?\n/);
    partial = lines.pop()!;
    for (const line of lines) o.onLine(line);
  };
  o.onSpawn?.(child);
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, o.timeoutSeconds * 1000);
  return new Promise((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (o.onLine && partial) o.onLine(partial);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, output: chunks.join(''), seconds, timedOut, ...(spawnError ? { spawnError } : {}) });
    });
  });
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split(/\r?\n/).slice(-lines).join('\n');
}

function summarize(run: BuildRun): string {
  return `${run.seconds.toFixed(1)}s, ${run.cached}/${run.steps} steps cached`;
}

/**
 * Removes the tagged images, then (buildah, podman) the layers the builds committed that are still there: those
 * of a failed build or of a stage no tagged image is built on. Newest first, so that each image goes before the
 * layers it was built on. Failures are only logged.
 */
function removeImages(builder: BuilderName, spec: BuilderSpec, storageDriver: string | null, tags: string[], layers: string[], log: (line: string) => void): void {
  const rmi = (names: string[]) => spawnSync(builder, [...spec.remove({ storageDriver }), ...names], { encoding: 'utf8', timeout: 300_000 });
  if (tags.length) {
    const removal = rmi([...tags].reverse());
    if (removal.status !== 0) log(`warning: could not remove all the images verify tagged: ${tail(`${removal.stderr ?? ''}`, 3)}`);
  }
  if (!spec.listAll || layers.length === 0) return;
  const listing = spawnSync(builder, spec.listAll({ storageDriver }), { encoding: 'utf8', timeout: 60_000 });
  if (listing.status !== 0) return;
  const present = listing.stdout.split(/\s+/).map((l) => l.replace(/^sha256:/, '')).filter(Boolean);
  const left = [...new Set(layers)].reverse().flatMap((short) => present.filter((full) => full.startsWith(short)));
  if (left.length === 0) return;
  const removal = rmi([...new Set(left)]);
  if (removal.status !== 0) log(`warning: could not remove ${left.length} intermediate layers: ${tail(`${removal.stderr ?? ''}`, 3)}`);
}

/** `overlay` for buildah (as the base images were made), none for the others. */
const defaultStorageDriver = (builder: BuilderName): string | null => (builder === 'buildah' ? 'overlay' : null);

/** Removes what verify runs handed over through keepImages (each run's images before the layers under them). */
export function removeBuiltImages(builder: BuilderName, runs: readonly BuiltImages[], log: (line: string) => void, storageDriver: string | null = defaultStorageDriver(builder)): void {
  const spec = BUILDER_SPECS[builder];
  removeImages(builder, spec, storageDriver, runs.flatMap((r) => r.tags), runs.flatMap((r) => r.layers), log);
}

/** Builds the original and the rewritten Dockerfile, edits one source file, rebuilds both, and reports. */
export async function verify(o: VerifyOptions): Promise<VerifyReport> {
  const log = o.log ?? (() => {});
  const contextDir = path.resolve(o.contextDir);
  if (!fs.existsSync(contextDir) || !fs.statSync(contextDir).isDirectory()) throw new Error(`build context ${contextDir} is not a folder`);

  const builder = o.builder ?? detectBuilder();
  if (!builder) {
    throw new Error(`no usable builder: none of ${BUILDER_PREFERENCE.join(', ')} was found on PATH (docker counts only when its daemon answers); install one or pass the builder`);
  }
  if (!BUILDER_SPECS[builder]) throw new Error(`unknown builder "${builder}": use one of ${BUILDER_PREFERENCE.join(', ')}`);
  const probe = spawnSync(builder, ['--version'], { stdio: 'ignore', timeout: 15_000 });
  if (probe.error) throw new Error(`builder "${builder}" cannot be run: ${(probe.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found on PATH' : probe.error.message}`);
  const storageDriver = o.storageDriver === undefined ? defaultStorageDriver(builder) : o.storageDriver;
  const spec = BUILDER_SPECS[builder];
  // docker's legacy builder (no buildx installed) has no --progress; its output is parsed all the same.
  const buildPrefix = spec.build({ storageDriver }).filter((a) => a !== '--progress=plain' || dockerHasProgressFlag());
  const timeoutSeconds = o.timeoutSeconds ?? 900;

  // The ignore file each build uses: the Dockerfile's own when it has one (the rewrite may have written it), else
  // the context's; the rewrite's version where dockmod changed it.
  const specificIgnore = o.dockerfile ? `${path.resolve(contextDir, o.dockerfile)}.dockerignore` : null;
  const ignoreFor = (files: Record<string, string>) => {
    if (specificIgnore) {
      const text = files[path.relative(contextDir, specificIgnore).split(path.sep).join('/')] ?? readTreeFile(specificIgnore, []);
      if (text !== undefined) return { name: path.basename(specificIgnore), text, specific: true };
    }
    return { name: '.dockerignore', text: files['.dockerignore'] ?? readContextFile(contextDir, '.dockerignore') ?? '', specific: false };
  };
  const originalIgnore = ignoreFor({});
  const rules = ignoreRules(originalIgnore.text);
  const editFile = o.editFile ? path.posix.normalize(o.editFile.split(path.sep).join('/')).replace(/^\.\//, '') : chooseEditFile(contextDir, [o.original, o.rewritten], originalIgnore.text);
  if (editFile.startsWith('../') || path.isAbsolute(editFile)) throw new Error(`editFile ${o.editFile} is outside the build context`);
  if (!fs.existsSync(path.join(contextDir, editFile))) throw new Error(`editFile ${editFile} does not exist in ${contextDir}`);
  if (isIgnored(rules, editFile)) log(`warning: ${editFile} is excluded by ${originalIgnore.name}, so editing it cannot change any build step`);

  const id = randomBytes(5).toString('hex');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-verify-'));
  const tags: string[] = [];
  const layers: string[] = [];
  let building: ChildProcess | null = null;
  let cleaned = false;
  const cleanUp = (interrupted = false) => {
    if (cleaned) return;
    cleaned = true;
    fs.rmSync(work, { recursive: true, force: true });
    if (o.keepImages && !interrupted) o.keepImages({ tags: [...tags], layers: [...layers] });
    else removeImages(builder, spec, storageDriver, tags, layers, log);
  };
  // Interrupted (Ctrl-C, a CI timeout): stop the build, clean up, then let the signal do what it would have done.
  const onSignal = (signal: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    building?.kill('SIGTERM');
    log(`${signal}: removing the temporary folders and images of this verify run${builder === 'docker' ? '' : ` (an interrupted build may leave a working container behind: see \`${builder === 'buildah' ? 'buildah containers' : 'podman ps -a --external'}\`)`}`);
    cleanUp(true);
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const variants = [
    { name: 'original' as const, text: o.original, files: {} as Record<string, string> },
    { name: 'rewritten' as const, text: o.rewritten, files: o.rewrittenFiles ?? {} },
  ];
  const tagOf = (variant: string, phase: string) => `localhost/dockmod-verify-${id}:${variant}-${phase}`;
  const build = async (variant: (typeof variants)[number], phase: 'first' | 'rebuild' | 'noise', dir: string, dockerfile: string): Promise<BuildRun> => {
    const tag = tagOf(variant.name, phase);
    log(`${variant.name}: ${phase === 'first' ? 'first build' : phase === 'rebuild' ? `rebuild after editing ${editFile}` : 'one more build without the cache, to measure the build\'s own nondeterminism'} with ${builder}`);
    // BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile by itself; buildah 1.28 and podman need the flag.
    const ignoreFile = `${dockerfile}.dockerignore`;
    const ignoreArgs = builder !== 'docker' && fs.existsSync(ignoreFile) ? ['--ignorefile', ignoreFile] : [];
    const args = [...buildPrefix, ...(phase === 'noise' ? ['--no-cache'] : []), ...ignoreArgs, '-f', dockerfile, '-t', tag, ...(o.buildArgs ?? []), dir];
    const result = await run(builder, args, { timeoutSeconds, onSpawn: (child) => (building = child), ...(o.verbose ? { onLine: (l: string) => log(`  | ${l}`) } : {}) });
    building = null;
    if (result.code === 0) tags.push(tag);
    if (spec.listAll) layers.push(...committedLayers(result.output));
    if (result.spawnError) throw new Error(`builder "${builder}" could not be started: ${result.spawnError.message}`);
    if (result.code !== 0) {
      const why = result.timedOut ? `timed out after ${timeoutSeconds}s` : `failed (exit ${result.code})`;
      throw new Error(`${variant.name} Dockerfile: ${phase === 'first' ? 'first build' : phase === 'rebuild' ? 'rebuild' : 'build without the cache'} ${why} with ${builder} ${args.join(' ')}\nlast lines of the build log:\n${tail(result.output)}`);
    }
    const stepLog = parseBuildLog(result.output);
    if (stepLog.length === 0) log(`warning: no build steps recognised in ${builder}'s output; cache counts will be 0`);
    const runResult: BuildRun = { seconds: result.seconds, steps: stepLog.length, cached: stepLog.filter((s) => s.cached).length, stepLog };
    log(`${variant.name}: ${phase} done in ${summarize(runResult)}`);
    return runResult;
  };

  try {
    const results: Partial<Record<'original' | 'rewritten', { first: BuildRun; rebuild: BuildRun }>> = {};
    let originalBuild = { dir: '', dockerfile: '', editedSha256: '' };
    for (const variant of variants) {
      const base = path.join(work, variant.name);
      const dir = path.join(base, 'context');
      fs.mkdirSync(base, { recursive: true });
      const ignore = ignoreFor(variant.files);
      copyContext(contextDir, dir, ignoreRules(ignore.text));
      for (const [rel, text] of Object.entries(variant.files)) {
        const target = path.resolve(dir, rel);
        if (path.relative(dir, target).startsWith('..')) throw new Error(`rewritten file ${rel} is outside the build context`);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // The copy keeps links as they are: writing through one could reach the user's own tree.
        fs.rmSync(target, { force: true });
        fs.writeFileSync(target, text, { flag: 'wx' });
      }
      // Outside the context copy, so that it is not part of `COPY . .`.
      const dockerfile = path.join(base, 'Dockerfile');
      fs.writeFileSync(dockerfile, substituteBaseImages(variant.text, o.baseImages));
      if (ignore.specific) fs.writeFileSync(`${dockerfile}.dockerignore`, ignore.text);
      const target = path.join(dir, editFile);
      if (!fs.existsSync(target)) throw new Error(`${editFile} is not in the copied context (is it excluded by ${ignore.name}?)`);
      if (!isInside(fs.realpathSync(target), realFolder(dir))) {
        throw new Error(`${editFile} is a symbolic link out of the copied context; verify edits only files inside its copy (pass another edit file)`);
      }
      const first = await build(variant, 'first', dir, dockerfile);
      // A nonce of its own per variant: the rewritten rebuild must not find the original's edited layers.
      editSource(target, `${new Date().toISOString()} ${id} ${variant.name}`);
      if (variant.name === 'original') originalBuild = { dir, dockerfile, editedSha256: createHash('sha256').update(fs.readFileSync(target)).digest('hex') };
      const rebuild = await build(variant, 'rebuild', dir, dockerfile);
      results[variant.name] = { first, rebuild };
    }
    const report: VerifyReport = { editFile, builder, original: results.original!, rewritten: results.rewritten! };
    if (o.compareImages === false) return report;
    // Noise: the original's rebuild re-ran every step from the edited COPY on. The rewrite's first build took its
    // leading steps from the original's cache (the same layers) and ran the rest; when the rebuild did not re-run
    // all of those (the rewrite changed a step before the source copy), one more build without the cache does.
    // A changed step counts as run by the rewrite even when the builder had it cached from an earlier run.
    const originalSteps = report.original.first.stepLog;
    const sharedSteps = report.rewritten.first.stepLog.findIndex((step, k) => !step.cached || step.text !== originalSteps[k]?.text);
    const unmeasured = sharedSteps >= 0 && report.original.rebuild.stepLog.slice(sharedSteps).some((step) => step.cached);
    const manifest = (variant: string, phase: string) => spec.manifest(builder, tagOf(variant, phase), { storageDriver, hashes: layerFileHashes });
    const sample = async (phase: 'rebuild' | 'noise') => ({ manifest: await manifest('original', phase), editedSha256: originalBuild.editedSha256 });
    const buildNoise = async () => (report.noiseBuild = await build(variants[0]!, 'noise', originalBuild.dir, originalBuild.dockerfile));
    if (unmeasured) await buildNoise();
    log('reading the images\' file systems');
    const originalImage = await manifest('original', 'first');
    const samples = [await sample('rebuild'), ...(report.noiseBuild ? [await sample('noise')] : [])];
    const rewrittenImage = await manifest('rewritten', 'first');
    const compare = () => compareImages(originalImage, rewrittenImage, { noise: measureNoise(originalImage, samples), declared: o.declared ?? [] });
    report.image = compare();
    // A file that varies from build to build (a compile manifest stamped with the second) can match by chance in
    // the rebuild: before a difference is called undeclared, one more build of the original measures the noise.
    if (report.image.undeclared.length && !report.noiseBuild) {
      await buildNoise();
      samples.push(await sample('noise'));
      report.image = compare();
    }
    log(`images: ${report.image.summary}`);
    if (o.verbose && report.image.noisy.length) log(`not compared (they differ between builds of the original): ${report.image.noisy.join(', ')}`);
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanUp();
  }
}
