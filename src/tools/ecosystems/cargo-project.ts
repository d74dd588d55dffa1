// What cargo reads to resolve and fetch a project's dependencies, and which target files it needs to exist to load
// each package, from The Cargo Book (manifest, cargo-targets, workspaces, specifying-dependencies, config) and
// cargo's manifest loader (src/workspace/parser/targets.rs, src/workspace/workspace.rs).
import path from 'node:path';
import picomatch from 'picomatch';
import { parseToml } from './parsers.js';
import type { BuildContext } from '../../engine/types.js';
import { folderOf, unreadable, upward, type Manifests, type Refusal } from './installer.js';

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
const table = (v: unknown): Table => (isTable(v) ? v : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const manifestIn = (folder: string): string => path.posix.join(folder, 'Cargo.toml');
const within = (file: string, folder: string): boolean => folder === '' || file === folder || file.startsWith(`${folder}/`);

/** A path a manifest names, relative to `folder`, as a context path; null when it leaves the context. */
function contextPath(folder: string, named: string): string | null {
  if (path.posix.isAbsolute(named)) return null;
  const joined = path.posix.normalize(path.posix.join(folder, named)).replace(/\/$/, '');
  if (joined === '..' || joined.startsWith('../')) return null;
  return joined === '.' ? '' : joined;
}

/** The dependency tables of a manifest: [dependencies], [dev-dependencies], [build-dependencies], and each [target.<cfg>] one. */
function dependencyTables(manifest: Table, withDev: boolean): Table[] {
  const kinds = ['dependencies', 'build-dependencies', 'build_dependencies', ...(withDev ? ['dev-dependencies', 'dev_dependencies'] : [])];
  const of = (t: Table) => kinds.map((k) => table(t[k]));
  return [...of(manifest), ...Object.values(table(manifest.target)).flatMap((t) => of(table(t)))];
}

/** A target kind's folder and the file cargo infers for a target of that name (The Cargo Book, Target auto-discovery). */
const INFERRED: Record<'bin' | 'example' | 'test' | 'bench', string> = { bin: 'src/bin', example: 'examples', test: 'tests', bench: 'benches' };
const AUTO_FLAG: Record<keyof typeof INFERRED, string> = { bin: 'autobins', example: 'autoexamples', test: 'autotests', bench: 'autobenches' };

/** A TOML file of the context, parsed; a refusal when it is missing or not TOML. */
function readToml(context: BuildContext, file: string): Table | Refusal {
  const text = context.readFile(file);
  if (text === undefined) return unreadable(context, file);
  try {
    return parseToml(text) as Table;
  } catch (e) {
    return { refuse: `${file} is not valid TOML (${(e as Error).message.split('\n')[0]})` };
  }
}
const refused = (v: unknown): v is Refusal => isTable(v) && typeof v.refuse === 'string';

/**
 * The target source files cargo needs to exist to load the package at `folder` (it checks none of the paths a
 * manifest writes out): the file it infers for each [lib], [[bin]], [[example]], [[test]] and [[bench]] declared
 * without a `path`; when the package declares no target, one it discovers (src/lib.rs, else src/main.rs, else
 * the first of src/bin, examples, tests, benches), since a package without targets is an error; and build.rs
 * when `links` is set without `build`, since `links` needs a build script. Only files in the context: the
 * source copy brings each back.
 */
function targetStubs(manifest: Table, file: string, context: BuildContext, listed: readonly string[]): string[] | Refusal {
  const folder = folderOf(file);
  const pkg = table(manifest.package);
  const inContext = (rel: string) => context.exists(path.posix.join(folder, rel));
  const stubs: string[] = [];
  let declared = 0;
  if (isTable(manifest.lib)) {
    declared++;
    if (typeof manifest.lib.path !== 'string') {
      if (!inContext('src/lib.rs')) return { refuse: `${file} declares [lib] without a path, and ${path.posix.join(folder, 'src/lib.rs')} is not in the build context` };
      stubs.push('src/lib.rs');
    }
  }
  for (const kind of Object.keys(INFERRED) as (keyof typeof INFERRED)[]) {
    for (const target of Array.isArray(manifest[kind]) ? (manifest[kind] as unknown[]).map(table) : []) {
      declared++;
      if (typeof target.path === 'string' || typeof target.name !== 'string') continue;
      const candidates = [`${INFERRED[kind]}/${target.name}.rs`, `${INFERRED[kind]}/${target.name}/main.rs`];
      if (kind === 'bin' && target.name === pkg.name) candidates.unshift('src/main.rs');
      const found = candidates.find(inContext);
      if (!found) return { refuse: `${file} declares [[${kind}]] \`${target.name}\` without a path, and none of ${candidates.map((c) => path.posix.join(folder, c)).join(', ')} is in the build context` };
      stubs.push(found);
    }
  }
  if (!declared) {
    const discovered = [
      ...(pkg.autolib === false ? [] : ['src/lib.rs']),
      ...(pkg.autobins === false ? [] : ['src/main.rs']),
      ...(Object.keys(INFERRED) as (keyof typeof INFERRED)[]).filter((k) => pkg[AUTO_FLAG[k]] !== false).flatMap((k) => discoveredIn(listed, folder, INFERRED[k])),
    ].find(inContext);
    if (!discovered) return { refuse: `${file} has no target in the build context (cargo needs src/lib.rs, src/main.rs, a [lib] or a [[bin]])` };
    stubs.push(discovered);
  }
  if (typeof pkg.links === 'string' && pkg.build === undefined) {
    if (!inContext('build.rs')) return { refuse: `${file} sets links = "${pkg.links}", which needs a build script, and ${path.posix.join(folder, 'build.rs')} is not in the build context` };
    stubs.push('build.rs');
  }
  return [...new Set(stubs)].map((s) => path.posix.join(folder, s));
}

/** Targets cargo discovers in a target folder: `<name>.rs` and `<name>/main.rs`, relative to the package, sorted. */
function discoveredIn(listed: readonly string[], folder: string, targetFolder: string): string[] {
  const prefix = `${path.posix.join(folder, targetFolder)}/`;
  return listed
    .filter((f) => f.startsWith(prefix) && /^[^./][^/]*\.rs$|^[^./][^/]*\/main\.rs$/.test(f.slice(prefix.length)))
    .map((f) => path.posix.relative(folder, f));
}

/** A workspace root: its folder and the [workspace] table. */
interface Workspace {
  folder: string;
  members: string[];
  exclude: string[];
  dependencies: Table;
}

function workspaceOf(manifest: Table, file: string): Workspace | null {
  if (!isTable(manifest.workspace)) return null;
  const ws = manifest.workspace;
  return { folder: folderOf(file), members: strings(ws.members), exclude: strings(ws.exclude), dependencies: table(ws.dependencies) };
}

/** `workspace.exclude` keeps a path out unless a `members` entry names it literally (cargo's `is_excluded`). */
function excluded(ws: Workspace, folder: string): boolean {
  const under = (entries: string[]) => entries.some((e) => {
    const p = contextPath(ws.folder, e);
    return p !== null && within(folder, p);
  });
  return under(ws.exclude) && !under(ws.members);
}

/** The member folders `members` names: each glob matched against the context's folders, as cargo's glob walk does. */
function memberFolders(ws: Workspace, listed: readonly string[]): string[] | Refusal {
  const folders = new Set<string>();
  for (const f of listed) for (let d = folderOf(f); d && !folders.has(d); d = folderOf(d)) folders.add(d);
  const out: string[] = [];
  for (const entry of ws.members) {
    const pattern = contextPath(ws.folder, entry);
    if (pattern === null) return { refuse: `${manifestIn(ws.folder)} names the workspace member ${entry}, outside the build context` };
    // A literal entry is one folder: `"."` is the workspace's own (the context-relative "", no glob to compile).
    const isMatch = picomatch.scan(pattern).isGlob ? picomatch(pattern, { dot: true }) : null;
    const matched = isMatch ? [...folders].filter((f) => isMatch(f)).sort() : [pattern];
    out.push(...matched.filter((m) => !excluded(ws, m) && !out.includes(m)));
  }
  return out;
}

export interface CargoProject extends Manifests {
  stubs: string[];
}

/**
 * Every file cargo reads to resolve the project whose manifest is `entry` (a context path), and the target stubs
 * its packages need: the manifests upward to the workspace root (each one cargo meets is loaded), the root's
 * members, the path dependencies of every loaded package transitively (with [workspace.dependencies] inherited,
 * [patch] and [replace] of the root, and the config files' [patch] and `paths`), Cargo.lock beside the root,
 * `.cargo/config.toml` / `.cargo/config` from `cwd` up, and the nearest rust-toolchain(.toml) from `cwd` up.
 */
export function cargoProject(entry: string, cwd: string, context: BuildContext): CargoProject | Refusal {
  const listed = context.listFiles();
  const loaded = new Map<string, Table>();
  const load = (file: string, by: string): Table | Refusal => {
    const known = loaded.get(file);
    if (known) return known;
    if (!context.exists(file)) return { refuse: `${file}, which ${by}, is ${context.refusal?.(file) ?? 'not in the build context'}` };
    const manifest = readToml(context, file);
    if (!refused(manifest)) loaded.set(file, manifest);
    return manifest;
  };

  const configs = upward(cwd).flatMap((d) => [path.posix.join(d, '.cargo/config.toml'), path.posix.join(d, '.cargo/config')]).filter((f) => context.exists(f));
  const configTables: { file: string; folder: string; config: Table }[] = [];
  for (const file of configs) {
    const config = readToml(context, file);
    if (refused(config)) return config;
    // Paths in a config file are relative to the folder holding its .cargo folder.
    configTables.push({ file, folder: folderOf(folderOf(file)), config });
    const vendored = Object.entries(table(config.source)).find(([, s]) => typeof table(s).directory === 'string' || typeof table(s)['local-registry'] === 'string');
    if (vendored) return { refuse: `${file} replaces the sources with the local folder of [source.${vendored[0]}], so the dependencies come with the sources and there is nothing to fetch` };
  }

  const first = load(entry, 'the install reads');
  if (refused(first)) return first;
  // The workspace root: the entry itself, the folder its `package.workspace` points to, or the first manifest
  // above it with a [workspace] that does not exclude it (every manifest met on the way is loaded).
  let root = entry;
  let ws = workspaceOf(first, entry);
  const ancestors: string[] = [];
  const pointer = table(first.package).workspace;
  if (!ws && typeof pointer === 'string') {
    const folder = contextPath(folderOf(entry), pointer);
    if (folder === null) return { refuse: `${entry} sets package.workspace = "${pointer}", outside the build context` };
    const rootManifest = load(manifestIn(folder), `${entry} names as its workspace root`);
    if (refused(rootManifest)) return rootManifest;
    [root, ws] = [manifestIn(folder), workspaceOf(rootManifest, manifestIn(folder))];
  } else if (!ws) {
    for (const folder of upward(folderOf(entry)).slice(1)) {
      const file = manifestIn(folder);
      if (!context.exists(file)) continue;
      const above = load(file, `cargo reads looking for the workspace of ${entry}`);
      if (refused(above)) return above;
      ancestors.push(file);
      const candidate = workspaceOf(above, file);
      if (candidate && !excluded(candidate, folderOf(entry))) {
        [root, ws] = [file, candidate];
        break;
      }
    }
  }

  // Packages to load, each with whether it is a workspace member (whose dev-dependencies are resolved too).
  const queue: { file: string; member: boolean; by: string }[] = [{ file: entry, member: true, by: 'the install reads' }, { file: root, member: true, by: `is the workspace root of ${entry}` }];
  if (ws) {
    const members = memberFolders(ws, listed);
    if (refused(members)) return members;
    for (const m of members) queue.push({ file: manifestIn(m), member: true, by: `is a workspace member of ${root}` });
  }
  // A package manifest met above the entry is loaded whole, so it needs its targets too.
  for (const file of ancestors) queue.push({ file, member: false, by: `cargo reads looking for the workspace of ${entry}` });
  const rootManifest = loaded.get(root)!;
  const overrides = (t: Table, folder: string, by: string) => {
    for (const [source, deps] of Object.entries(table(t.patch))) for (const [name, dep] of Object.entries(table(deps))) pathDependency(dep, folder, `${by} [patch.${source}] ${name}`);
    for (const [spec, dep] of Object.entries(table(t.replace))) pathDependency(dep, folder, `${by} [replace] ${spec}`);
  };
  let outside: Refusal | null = null;
  const pathDependency = (dep: unknown, folder: string, by: string) => {
    const named = table(dep).path;
    if (typeof named !== 'string') return;
    const target = contextPath(folder, named);
    if (target === null) outside ??= { refuse: `${by} is the path ${named}, outside the build context` };
    else queue.push({ file: manifestIn(target), member: !!ws && within(target, ws.folder) && !excluded(ws, target), by: `${by} names` });
  };
  overrides(rootManifest, folderOf(root), root);
  for (const { file, folder, config } of configTables) {
    overrides(config, folder, file);
    for (const p of strings(config.paths)) pathDependency({ path: p }, folder, `${file} paths`);
  }

  const stubs: string[] = [];
  const seen = new Set<string>();
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (outside) return outside;
    if (seen.has(next.file)) continue;
    seen.add(next.file);
    const manifest = load(next.file, next.by);
    if (refused(manifest)) return manifest;
    if (!isTable(manifest.package)) {
      if (!isTable(manifest.workspace)) return { refuse: `${next.file} has neither [package] nor [workspace], which cargo refuses` };
      continue;
    }
    const targets = targetStubs(manifest, next.file, context, listed);
    if (refused(targets)) return targets;
    stubs.push(...targets);
    const folder = folderOf(next.file);
    for (const deps of dependencyTables(manifest, next.member)) {
      for (const [name, dep] of Object.entries(deps)) {
        const by = `${next.file} dependency ${name}`;
        // `name.workspace = true` inherits [workspace.dependencies], whose paths are relative to the root.
        if (table(dep).workspace === true && ws) pathDependency(ws.dependencies[name], ws.folder, `${root} [workspace.dependencies] ${name}`);
        else pathDependency(dep, folder, by);
      }
    }
  }
  if (outside) return outside;

  const toolchain = upward(cwd)
    .map((d) => ['rust-toolchain', 'rust-toolchain.toml'].map((n) => path.posix.join(d, n)).filter((f) => context.exists(f)))
    .find((found) => found.length) ?? [];
  const lockfile = path.posix.join(folderOf(root), 'Cargo.lock');
  const optional = [...(context.exists(lockfile) ? [lockfile] : []), ...configs, ...toolchain];
  const files = [...new Set([root, ...loaded.keys()])].filter((f) => !configs.includes(f));
  return { files: [...new Set([...files, ...optional])], optional, stubs: [...new Set(stubs)] };
}
