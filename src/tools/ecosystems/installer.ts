// What an ecosystem's installer is (src/tools/ecosystems/*.ts) and the helpers installers share. The registry of
// installers is src/tools/installs.ts, which imports the ecosystems; they import only this module.
import path from 'node:path';
import type { BuildContext } from '../../engine/types.js';
import { basename } from '../vocabulary/tool.js';

/** The ecosystems dockmod knows installers of. */
export type EcosystemId = 'node' | 'python' | 'go' | 'jvm' | 'dotnet' | 'ruby' | 'php' | 'elixir' | 'rust';

/** argv of a command: static words as strings, dynamic ones as null. */
export type Argv = readonly (string | null)[];

export interface Manifests {
  /** Context-relative files to copy before the install, in copy order. */
  files: string[];
  /** Those of `files` the install can do without (lockfiles, rc files): left out when .dockerignore excludes them. */
  optional: string[];
  /** Folders the install writes inside the project (`node_modules`): a host copy must not overwrite them. */
  shadowed?: ShadowedFolder[];
  /**
   * Context paths of source files the fetch needs to exist though it does not read them (cargo's targets): the
   * fetch creates them empty and removes them again in its own RUN, so the image never holds them.
   */
  stubs?: string[];
  /**
   * The fetch for this build when its manifests decide it, in place of the installer's prefetch (a Gradle build
   * with no build script has nothing to resolve: the wrapper's download is the fetch). Same words as prefetch.
   */
  fetch?: CommandWord[];
  /**
   * Context paths the install must not find in place before the sources, with the refusal to give when the source
   * copy does bring them (husky sets up hooks in a `.git` that the copy brings; left out, it finds none either way).
   */
  unlessLeftOut?: { path: string; refuse: string }[];
  /**
   * Paths of the image the install reads besides the manifests (absolute, or relative to its working folder): a
   * wheel a path dependency names. They must be there, as they were, wherever the install or its fetch runs.
   */
  imageReads?: string[];
}

/** A folder an install writes inside the project, and the ignore-file entry that leaves it out of a copy. */
export interface ShadowedFolder {
  /** The entry to add: the folder's context path, or a pattern for the same folder in every project (.NET obj, bin). */
  entry: string;
  /** The context paths where the install writes it. */
  paths: string[];
}

/** A shadowed folder at one context path, left out by that path. */
export const shadowedAt = (folder: string): ShadowedFolder => ({ entry: folder, paths: [folder] });
/** Maps a path an install names (relative to its working directory, or absolute) to a context path, or null. */
export type ToContext = (path: string) => string | null;
/** A variable of the install's environment: its value, null when it cannot be known, undefined when it is not set. */
export type Environment = (name: string) => string | null | undefined;

export interface Refusal {
  refuse: string;
  /** The reason is certain (a step compiles the project's sources), not a limit of what dockmod reads. */
  certain?: true;
}

/** The refusal for a context file that could not be read: not there, or why it is not read (a link out, a folder). */
export const unreadable = (context: BuildContext, file: string): Refusal => ({ refuse: `${file} is ${context.refusal?.(file) ?? 'not in the build context'}` });

export interface Installer {
  /** `npm`, `pip`, `go`, ... as shown to users. */
  tool: string;
  ecosystem: EcosystemId;
  /** This installer's commands: argv starts with the command name. */
  matches(argv: Argv): boolean;
  /**
   * The manifests the install reads. `dir` is its working directory relative to the context root (`''` for the
   * root). `toContext` maps a path the command names (relative to its working directory, or absolute) to a
   * context path, or null when that path is not known to come from the context. `environment` is the install's
   * environment as the Dockerfile sets it.
   */
  manifests(argv: Argv, dir: string, context: BuildContext, toContext: ToContext, environment: Environment): Manifests | Refusal;
  /**
   * The folder an option of the command makes it work in (`composer --working-dir=/app`), relative to where it
   * runs or absolute: undefined without one, null when a variable gives it.
   */
  workingDirectory?(argv: Argv): string | null | undefined;
  /** Set when no safe split exists for this tool at all: the reason, with what to do instead. */
  unsupported?: string;
  /**
   * Why this command needs the sources wherever it runs and however its RUN is written (`pip install -e .`), or
   * null: the first reason a refusal gives, before any about the RUN's shape or the steps around it.
   */
  needsSources?(argv: Argv): string | null;
  /**
   * The install finds its manifests through the paths it names (`pip install -r /app/requirements.txt`), not
   * in its working directory, so `dir` does not matter.
   */
  readsNamedPaths?: boolean;
  /**
   * For commands that build and fetch dependencies as they go (`go build`, `mvn package`): the command that
   * fetches them from the manifests alone, run before the sources are copied, built from the install's own
   * words so that its options (settings files, profiles, mirrors) still apply. The original command stays
   * after the source copy. Absent (or null) for installs that need nothing but the manifests (`npm ci`).
   */
  prefetch?(argv: Argv): CommandWord[] | null;
  /**
   * A cache mount target that holds what the prefetch downloads (`/go/pkg/mod`), when the prefetch only downloads:
   * with the install's RUN mounting it, the fetch's downloads would fill the mount and no layer, and the install
   * finds them there (or, on a builder whose mount is empty, not in the fetch's layer either).
   */
  downloadCache?: RegExp;
  /**
   * A second run of the install over the same manifests finds everything in place and does next to nothing
   * (`dotnet restore`, `pip install -r`, `go mod download`), so the install itself can serve as the fetch put
   * before the source copy when the install cannot move there. Not npm: `npm ci` deletes node_modules first.
   */
  repeatsQuickly?: boolean;
  /**
   * A fetch that reads fewer files than the install (`pnpm fetch`: the lockfile and the settings, no package.json
   * of a workspace, no lifecycle script), inserted before the source copy with the install left where it is, for
   * when the install can neither move nor serve as its own fetch. Its words (as prefetch's) and the files it reads.
   */
  lighterFetch?(argv: Argv, dir: string, context: BuildContext): { words: CommandWord[]; manifests: Manifests } | Refusal;
}

/** A word of a generated command: the index of an argv word of the install (kept as written) or a new word. */
export type CommandWord = number | string;

/** The install as the Dockerfile writes it: each argv word's text, and what precedes the command name. */
export interface WrittenCommand {
  /** Assignments and wrappers before the name (`GOPROXY=direct `, `sudo -E `), kept in generated commands. */
  prefix: string;
  /** Shell words, or JSON strings for an exec-form RUN (which may have no shell to run a shell form). */
  words: readonly string[];
  json: boolean;
  /** Words a generated command cannot repeat: they hold a make variable, which make expands and a RUN's shell would not. */
  unrepeatable?: ReadonlySet<number>;
}

export interface InstallMatch {
  installer: Installer;
  argv: Argv;
}

/** Positional (non-option) arguments, skipping the values of options that take one. */
export function positionals(args: Argv, valueOptions: ReadonlySet<string>): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === null || a === undefined) out.push(null);
    else if (a === '--') return out.concat(args.slice(i + 1));
    else if (valueOptions.has(a)) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}

/**
 * The command with its positional arguments (goals, tasks) replaced by `replacement`, put where the first one
 * was; every option is kept with its value, except those in `drop`, which go with theirs.
 */
export function replacePositionals(argv: Argv, valueOptions: ReadonlySet<string>, replacement: readonly string[], drop: ReadonlySet<string> = new Set()): CommandWord[] {
  const out: CommandWord[] = [0];
  let replaced = false;
  const replaceHere = () => {
    if (!replaced) out.push(...replacement);
    replaced = true;
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      replaceHere();
      break;
    }
    if (a === null || a === undefined || !a.startsWith('-')) replaceHere();
    else if (drop.has(a)) i += valueOptions.has(a) ? 1 : 0;
    else if (valueOptions.has(a) && i + 1 < argv.length) out.push(i, ++i);
    else out.push(i);
  }
  replaceHere();
  return out;
}

/**
 * Context files that options name (`mvn -s settings.xml`, `--init-script=ci.gradle`), to copy with the
 * manifests. A path that does not map into the context comes from the image or an earlier step, so it is
 * there before the sources are copied too.
 */
export function optionFiles(argv: Argv, fileOptions: ReadonlySet<string>, context: BuildContext, toContext: ToContext): string[] | Refusal {
  const files: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a) continue;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const option = eq > 0 ? a.slice(0, eq) : a;
    if (!fileOptions.has(option)) continue;
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === null || value === undefined) return { refuse: `the file ${option} names depends on a variable` };
    const file = toContext(value);
    if (file === null) continue;
    if (!context.exists(file)) return { refuse: `${value}, named by ${option}, is not in the build context` };
    files.push(file);
  }
  return files;
}

/** The generated command's RUN arguments, in the form the install was written in. */
export function renderCommand(words: readonly CommandWord[], written: WrittenCommand): string {
  const texts = words.map((w) => (typeof w === 'number' ? written.words[w]! : written.json ? JSON.stringify(w) : w));
  return written.json ? `[${texts.join(', ')}]` : written.prefix + texts.join(' ');
}

/** The context folder holding a context file (`''` for the root). */
export const folderOf = (file: string): string => (path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file));

/** `folder` and each folder above it, up to the context root (''). */
export function upward(folder: string): string[] {
  const out = [folder];
  for (let f = folder; f; ) out.push((f = folderOf(f)));
  return out;
}

/** `dir`-relative files that exist in the context, in the order given. */
export function present(context: BuildContext, dir: string, names: readonly string[]): string[] {
  return names.map((n) => path.posix.join(dir, n)).filter((f) => context.exists(f));
}

/** Context files under `dir` whose base name matches. */
export function filesNamed(context: BuildContext, dir: string, name: RegExp): string[] {
  const prefix = dir ? `${dir}/` : '';
  return context.listFiles().filter((f) => f.startsWith(prefix) && name.test(basename(f)));
}

