// pip (requirements files), pipenv, poetry and uv.
import path from 'node:path';
import { parseToml } from './parsers.js';
import type { BuildContext } from '../../engine/types.js';
import { pipInstallIndex } from '../vocabulary/pip.js';
import { positionals, present, shadowedAt, unreadable, type Argv, type Installer, type Manifests, type Refusal, type ToContext } from './installer.js';
import { basename } from '../vocabulary/tool.js';

const PIP_VALUE_OPTIONS = new Set(['-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-t', '--target', '--prefix', '--root', '--upgrade-strategy', '--trusted-host', '--cache-dir', '--src', '--global-option', '--install-option', '--no-binary', '--only-binary', '--platform', '--python-version', '--implementation', '--abi', '--progress-bar', '--log', '--timeout', '--retries', '--proxy', '--exists-action', '--cert', '--client-cert', '--config-settings', '-C', '--root-user-action', '--report', '-p', '--python']);
const REQUIREMENT_OPTIONS = ['-r', '--requirement', '-c', '--constraint'];
/** `uv pip install` spells them in the plural, with the singular as an alias, and adds overrides and build constraints (docs.astral.sh/uv/reference/cli/#uv-pip-install). */
const UV_REQUIREMENT_OPTIONS = [...REQUIREMENT_OPTIONS, '--requirements', '--constraints', '--override', '--overrides', '-b', '--build-constraint', '--build-constraints'];
const UV_PIP_VALUE_OPTIONS = new Set([...PIP_VALUE_OPTIONS, ...UV_REQUIREMENT_OPTIONS, '--index', '--default-index', '--index-strategy', '--keyring-provider', '--resolution', '--prerelease', '--exclude-newer', '--link-mode', '--python-platform', '--torch-backend']);

/** A requirement or a pip argument that points at local files, which are not copied before the install. */
function isLocalPath(spec: string): boolean {
  if (/^(git|hg|svn|bzr)\+|^https?:\/\//.test(spec)) return false;
  return /^(\.|\/|~|file:)/.test(spec) || /@\s*file:/.test(spec) || /\.(whl|tar\.gz|zip|tgz)$/.test(spec);
}

/** The values pip's `options` are given: `-r file`, `--requirement=file`, and a short one glued on (`-rfile`, by `glued`). */
function optionValues(args: Argv, options: readonly string[], glued: RegExp): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a) continue;
    const inline = /^(--[a-z-]+)=(.*)$/.exec(a);
    if (options.includes(a) && args[i + 1]) values.push(args[++i]!);
    else if (inline && options.includes(inline[1]!)) values.push(inline[2]!);
    else if (glued.test(a)) values.push(a.slice(2));
  }
  return values;
}

/** `-r file`, `-rfile`, `--requirement=file`, and the same for constraints (`uv`: with uv's spellings too). */
const requirementFiles = (args: Argv, uv = false): string[] => optionValues(args, uv ? UV_REQUIREMENT_OPTIONS : REQUIREMENT_OPTIONS, uv ? /^-[rcb]./ : /^-[rc]./);

/** The values of `-f`/`--find-links` (`-f dir`, `-fdir`, `--find-links=dir`). */
const findLinks = (args: Argv): string[] => optionValues(args, ['-f', '--find-links'], /^-f./);

/** The local path of a `--find-links` value (`file://` left off); null for a URL pip fetches. */
const localLink = (value: string): string | null => (/^https?:\/\//.test(value) ? null : value.replace(/^file:\/\//, ''));

/** What pip reads at a local `--find-links` path: the files under it when the copy brings it (`contextPath`), else an image read. */
function linkReads(local: string, contextPath: string | null, context: BuildContext): { files: string[] } | { imageRead: string } {
  if (contextPath === null) return { imageRead: local };
  const under = context.listFiles().filter((f) => f.startsWith(`${contextPath}/`));
  return { files: under.length ? under : context.exists(contextPath) ? [contextPath] : [] };
}

/** Lines of a requirements file with comments removed and `\` continuations joined. */
function requirementLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, '')
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

/** Why a pip install needs the sources wherever it runs: it installs local files it names, or the project itself (`-e`). */
function pipNeedsSources({ options, uv }: PipOptions): string | null {
  const local = positionals(options, uv ? UV_PIP_VALUE_OPTIONS : PIP_VALUE_OPTIONS).find((a) => a !== null && isLocalPath(a));
  if (local) return `\`pip install ${local}\` installs local files, which need the sources`;
  if (options.some((a) => a === '-e' || a === '--editable' || a?.startsWith('--editable='))) return '`pip install -e` installs the project itself, which needs the sources';
  return null;
}

/** Requirements files (and those they include) that a pip install reads, or why it needs the sources. */
function pipManifests({ options, uv }: PipOptions, context: BuildContext, toContext: ToContext): Manifests | Refusal {
  if (options.some((a) => a === null)) return { refuse: '`pip install` has arguments that depend on variables' };
  const needs = pipNeedsSources({ options, uv });
  if (needs) return { refuse: needs };
  const files: string[] = [];
  const links: string[] = [];
  const imageReads: string[] = [];
  const addLinks = (reads: ReturnType<typeof linkReads>) => {
    if ('imageRead' in reads) imageReads.push(reads.imageRead);
    else links.push(...reads.files.filter((f) => !links.includes(f)));
  };
  for (const local of findLinks(options).map(localLink)) if (local !== null) addLinks(linkReads(local, toContext(local), context));
  const pending: string[] = [];
  for (const named of requirementFiles(options, uv)) {
    const file = toContext(named);
    if (file === null) return { refuse: `requirements file ${named} does not come from the build context` };
    pending.push(file);
  }
  while (pending.length) {
    const file = pending.shift()!;
    if (files.includes(file)) continue;
    if (file.startsWith('../')) return { refuse: `requirements file ${file} is outside the build context` };
    const text = context.readFile(file);
    if (text === undefined) return { refuse: `requirements file ${unreadable(context, file).refuse}` };
    files.push(file);
    for (const line of requirementLines(text)) {
      const words = line.split(/\s+/);
      const nested = requirementFiles(words);
      if (nested.length) {
        pending.push(...nested.map((n) => path.posix.join(path.posix.dirname(file), n)));
        continue;
      }
      const option = words[0]!;
      const value = words[1] ?? option.split('=')[1] ?? '';
      if (/^(-e|--editable)/.test(option) && !/^(git|hg|svn|bzr)\+/.test(value)) return { refuse: `${file} installs ${value} in editable mode, which needs the sources` };
      if (/^(-f|--find-links)/.test(option)) {
        // pip takes the path from the requirements file's folder when it is there, else from the working folder.
        const local = localLink(value);
        if (local === null) continue;
        const besideFile = path.posix.isAbsolute(local) ? null : path.posix.join(path.posix.dirname(file), local);
        const fromFile = besideFile !== null && (context.exists(besideFile) || context.listFiles().some((f) => f.startsWith(`${besideFile}/`)));
        addLinks(linkReads(local, fromFile ? besideFile : toContext(local), context));
        continue;
      }
      if (!option.startsWith('-') && isLocalPath(option)) return { refuse: `${file} names a local path (${option}), which needs the sources` };
    }
  }
  return { files: [...files, ...links.filter((f) => !files.includes(f))], optional: [], ...(imageReads.length ? { imageReads } : {}) };
}

/** pip (`pip install -r ...`, `python -m pip install ...`, `uv pip install ...`) reading files of the context. */
interface PipOptions {
  options: Argv;
  /** Read by `uv pip install`, which takes more options. */
  uv: boolean;
}

function pipOptions(argv: Argv): PipOptions | null {
  if (basename(argv[0]) === 'uv' && argv[1] === 'pip' && argv[2] === 'install') return { options: argv.slice(3), uv: true };
  const index = pipInstallIndex(argv);
  return index < 0 ? null : { options: argv.slice(index + 1), uv: false };
}

const pip: Installer = {
  tool: 'pip',
  ecosystem: 'python',
  // `pip install flask` reads nothing from the context; only requirements files and local paths count.
  matches(argv) {
    const found = pipOptions(argv);
    if (!found) return false;
    const { options, uv } = found;
    return requirementFiles(options, uv).length > 0 || options.some((a) => a === '-e' || a === '--editable') || positionals(options, uv ? UV_PIP_VALUE_OPTIONS : PIP_VALUE_OPTIONS).some((a) => a !== null && isLocalPath(a));
  },
  manifests: (argv, _dir, context, toContext) => pipManifests(pipOptions(argv)!, context, toContext),
  needsSources: (argv) => pipNeedsSources(pipOptions(argv)!),
  readsNamedPaths: true,
  repeatsQuickly: true,
};

const pipenv: Installer = {
  tool: 'pipenv',
  ecosystem: 'python',
  matches: (argv) => basename(argv[0]) === 'pipenv' && (argv[1] === 'install' || argv[1] === 'sync') && positionals(argv.slice(2), new Set()).length === 0,
  manifests(_argv, dir, context) {
    const pipfile = context.readFile(path.posix.join(dir, 'Pipfile'));
    if (pipfile === undefined) return unreadable(context, path.posix.join(dir, 'Pipfile'));
    if (/path\s*=\s*["']\.{1,2}[/"']/.test(pipfile)) return { refuse: 'Pipfile installs a local path, which needs the sources' };
    const files = present(context, dir, ['Pipfile', 'Pipfile.lock']);
    return { files, optional: files.slice(1) };
  },
};

/** pyproject-based installers that also install the project itself unless told not to. */
/**
 * The paths the project's local dependencies name (relative to the project's folder, or absolute), or why they
 * are not known: a dependency or source with a `path` (Poetry's dependency tables, `[tool.uv.sources]`), or a
 * `file:` URL in a requirement (`name @ file:///wheels/x.whl`, PEP 508).
 */
function localDependencies(text: string): string[] | Refusal {
  let toml: Record<string, unknown>;
  try {
    toml = parseToml(text) as Record<string, unknown>;
  } catch {
    return { refuse: 'pyproject.toml does not parse as TOML, so its dependencies are not known' };
  }
  const tool = isTable(toml.tool) ? toml.tool : {};
  const found: string[] = [];
  let unknown: string | undefined;
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isTable(value)) {
      if (typeof value.path === 'string') found.push(value.path);
      Object.values(value).forEach(walk);
    } else if (typeof value === 'string' && /@\s*file:/.test(value)) {
      const url = /@\s*file:(?:\/\/)?(\/[^\s;]*)/.exec(value);
      if (url) found.push(decodeURIComponent(url[1]!));
      else unknown ??= value;
    }
  };
  walk(tool.poetry);
  walk(isTable(tool.uv) ? tool.uv.sources : undefined);
  walk(toml.project);
  walk(toml['dependency-groups']);
  return unknown ? { refuse: `pyproject.toml has a local dependency (${unknown}) whose path dockmod does not read` } : found;
}

const isTable = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

function projectInstaller(tool: 'poetry' | 'uv', sub: string, noProject: string, lockfile: string): Installer {
  return {
    tool,
    ecosystem: 'python',
    matches: (argv) => basename(argv[0]) === tool && argv[1] === sub,
    manifests(argv, dir, context) {
      if (argv.some((a) => a === null)) return { refuse: `\`${tool} ${sub}\` has arguments that depend on variables` };
      const pyproject = context.readFile(path.posix.join(dir, 'pyproject.toml'));
      if (pyproject === undefined) return unreadable(context, path.posix.join(dir, 'pyproject.toml'));
      if (/^\[tool\.uv\.workspace\]/m.test(pyproject)) return { refuse: 'pyproject.toml declares a uv workspace, whose members would be missing' };
      const local = localDependencies(pyproject);
      if ('refuse' in local) return local;
      const files = present(context, dir, ['pyproject.toml', lockfile, 'poetry.toml', '.python-version']);
      return { files, optional: files.slice(1), shadowed: [shadowedAt(path.posix.join(dir, '.venv'))], imageReads: local };
    },
    // The original command stays after the source copy, where it installs just the project.
    prefetch: (argv) => (argv.includes(noProject) ? null : [...argv.keys(), noProject]),
  };
}

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const pythonPrimaryManifests: readonly string[] = ['requirements.txt', 'pyproject.toml', 'Pipfile'];

export const pythonInstallers: readonly Installer[] = [
  pip,
  pipenv,
  projectInstaller('poetry', 'install', '--no-root', 'poetry.lock'),
  projectInstaller('uv', 'sync', '--no-install-project', 'uv.lock'),
];
