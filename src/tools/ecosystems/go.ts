// Go modules: `go build` / `go install` fetch modules as they compile; `go mod download` fetches them alone.
import path from 'node:path';
import type { BuildContext } from '../../engine/types.js';
import { present, unreadable, type Installer, type Refusal, type ToContext } from './installer.js';
import { basename } from '../vocabulary/tool.js';

const BUILDS = new Set(['build', 'install', 'run', 'test', 'vet', 'generate']);

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const goPrimaryManifests: readonly string[] = ['go.mod'];

/**
 * The lines of a go.mod or go.work directive, single or in a block (`replace a => ../a`, `use ( ./a ./b )`),
 * with `//` comments left out.
 */
function directiveLines(text: string, verb: 'replace' | 'use'): string[] {
  const code = text.replace(/\/\/[^\n]*/g, '');
  const lines: string[] = [];
  for (const m of code.matchAll(new RegExp(`^\\s*${verb}\\s*\\(([^)]*)\\)`, 'gm'))) lines.push(...m[1]!.split('\n'));
  for (const m of code.matchAll(new RegExp(`^\\s*${verb}\\s+([^(\\s][^\\n]*)$`, 'gm'))) lines.push(m[1]!);
  return lines.map((l) => l.trim()).filter(Boolean);
}

/**
 * The local folders of `replace` directives (`=> ../lib`, `=> /opt/mod`): "a path beginning with ./ or ../, or an
 * absolute one, is the replacement module's root directory, which must contain a go.mod" (go.dev/ref/mod#go-mod-file-replace).
 */
const localReplacements = (text: string): string[] =>
  directiveLines(text, 'replace')
    .map((l) => /=>\s*("[^"]+"|\S+)/.exec(l)?.[1]?.replace(/^"|"$/g, '') ?? '')
    .filter((target) => /^\.\.?\//.test(target) || target.startsWith('/'));

/** The module folders a go.work `use`s (go.dev/ref/mod#go-work-file-use). */
const usedModules = (text: string): string[] => directiveLines(text, 'use').map((l) => l.replace(/^"|"$/g, ''));

/**
 * Every go.mod the go command loads besides the working folder's: the go.work it finds in that folder or one
 * above that the copy brings (workspace mode) and the modules it uses; the local folders the main modules'
 * replace directives name (only the main modules' replaces count). One outside what the copy brings is read in
 * the image, where it must be before the install.
 */
function goModules(dir: string, context: BuildContext, toContext: ToContext): { files: string[]; optional: string[]; imageReads: string[] } | Refusal {
  const files: string[] = [];
  const optional: string[] = [];
  const imageReads: string[] = [];
  /** `names` present in `folder`: copied, the sum files optional. */
  const add = (folder: string, names: string[]) => {
    for (const f of present(context, folder, names)) {
      if (!files.includes(f)) files.push(f);
      if (/\.sum$/.test(f)) optional.push(f);
    }
  };
  const addModule = (folder: string, named: string): Refusal | null => {
    if (!context.exists(path.posix.join(folder, 'go.mod'))) return { refuse: `${named} names the module folder ${folder}, which has no go.mod in the build context` };
    add(folder, ['go.mod', 'go.sum']);
    return null;
  };
  let work: { file: string; up: string } | undefined;
  for (const { folder, up } of foldersUp(toContext)) {
    if (context.exists(path.posix.join(folder, 'go.work'))) {
      work = { file: path.posix.join(folder, 'go.work'), up };
      break;
    }
  }
  const mains: { file: string; text: string; rel: (p: string) => string }[] = [];
  if (work) {
    const text = context.readFile(work.file);
    if (text === undefined) return unreadable(context, work.file);
    add(path.posix.dirname(work.file), ['go.work', 'go.work.sum']);
    mains.push({ file: work.file, text, rel: (p) => path.posix.join(work.up, p) });
    for (const used of usedModules(text)) {
      const folder = path.posix.join(path.posix.dirname(work.file), used);
      if (folder.startsWith('../') || path.posix.isAbsolute(used)) return { refuse: `${work.file} uses ${used}, outside the build context` };
      const problem = addModule(folder, work.file);
      if (problem) return problem;
      const gomod = context.readFile(path.posix.join(folder, 'go.mod'));
      if (gomod !== undefined) mains.push({ file: path.posix.join(folder, 'go.mod'), text: gomod, rel: (p) => path.posix.join(work.up, used, p) });
    }
  } else {
    const file = path.posix.join(dir, 'go.mod');
    const text = context.readFile(file);
    if (text !== undefined) mains.push({ file, text, rel: (p) => p });
  }
  for (const main of mains) {
    for (const target of localReplacements(main.text)) {
      const named = path.posix.isAbsolute(target) ? target : main.rel(target);
      const folder = path.posix.isAbsolute(named) ? null : toContext(named);
      if (folder === null) {
        imageReads.push(path.posix.join(named, 'go.mod'));
        continue;
      }
      const problem = addModule(folder, main.file);
      if (problem) return problem;
    }
  }
  return { files, optional, imageReads };
}

/** The working folder and those above it, as far as the copy brings them (toContext names their context path), nearest first. */
function* foldersUp(toContext: ToContext): Generator<{ folder: string; up: string }> {
  for (let up = '.', depth = 0; depth < 32; up = up === '.' ? '..' : `${up}/..`, depth++) {
    const folder = toContext(up);
    if (folder === null) return;
    yield { folder, up };
    if (folder === '') return;
  }
}

/** The main module's folder: the go command looks for go.mod in the working folder, then in each folder above it. */
function moduleFolder(dir: string, context: BuildContext, toContext: ToContext): string {
  for (const { folder } of foldersUp(toContext)) if (context.exists(path.posix.join(folder, 'go.mod'))) return folder;
  return dir;
}

export const goInstallers: readonly Installer[] = [
  {
    tool: 'go',
    ecosystem: 'go',
    matches: (argv) => basename(argv[0]) === 'go' && (BUILDS.has(argv[1] ?? '') || (argv[1] === 'mod' && argv[2] === 'download')) && !argv.some((a) => a?.includes('@')),
    repeatsQuickly: true,
    manifests(argv, workingFolder, context, toContext) {
      if (argv.some((a) => a === '-C' || a?.startsWith('-C='))) return { refuse: '-C changes the folder the go command runs in, which dockmod does not follow' };
      const dir = moduleFolder(workingFolder, context, toContext);
      if (context.exists(path.posix.join(dir, 'vendor'))) return { refuse: 'the module is vendored (vendor/), so the sources hold the dependencies' };
      const modules = goModules(dir, context, toContext);
      if ('refuse' in modules) return modules;
      // A workspace's root may have no module of its own; any other folder needs its go.mod.
      if (!modules.files.some((f) => f.endsWith('go.work')) && context.readFile(path.posix.join(dir, 'go.mod')) === undefined) return unreadable(context, path.posix.join(dir, 'go.mod'));
      const own = present(context, dir, ['go.mod', 'go.sum']);
      const files = [...own, ...modules.files.filter((f) => !own.includes(f))];
      return { files, optional: [...own.slice(1), ...modules.optional], ...(modules.imageReads.length ? { imageReads: modules.imageReads } : {}) };
    },
    downloadCache: /(^|\/)pkg\/mod\/?$/,
    prefetch: (argv) => (argv[1] === 'mod' ? null : [0, 'mod', 'download']),
  },
];
