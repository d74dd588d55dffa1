// Cargo: `cargo build` / `test` / `install --path` fetch the dependencies as they compile; `cargo fetch` fetches
// them from the manifests alone, once each package's target files exist (cargo-project.ts says which), so the
// fetch before the source copy creates those empty and removes them again.
import path from 'node:path';
import { folderOf, upward, type Argv, type CommandWord, type Installer, type Refusal, type ToContext } from './installer.js';
import { cargoProject } from './cargo-project.js';
import { CARGO_FETCH_OPTIONS, CARGO_VALUE_OPTIONS, cargo } from '../vocabulary/cargo.js';
import { basename } from '../vocabulary/tool.js';
import type { BuildContext } from '../../engine/types.js';

const PROJECT_COMMANDS = new Set(['build', 'fetch', 'test', 'install']);

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const rustPrimaryManifests: readonly string[] = ['Cargo.toml'];

/** The option at `argv[i]` (`--target=x` read as `--target`) and its value, with the index after them. */
function optionAt(argv: Argv, i: number): { option: string; value: string | null | undefined; next: number; attached: boolean } {
  const word = argv[i]!;
  const eq = word.startsWith('--') ? word.indexOf('=') : -1;
  if (eq > 0) return { option: word.slice(0, eq), value: word.slice(eq + 1), next: i + 1, attached: true };
  if (/^-Z./.test(word)) return { option: '-Z', value: word.slice(2), next: i + 1, attached: true };
  if (CARGO_VALUE_OPTIONS.has(word)) return { option: word, value: argv[i + 1], next: i + 2, attached: false };
  return { option: word, value: undefined, next: i + 1, attached: false };
}

/** The subcommand's index in argv (after the command name, `+toolchain` and global options), or -1. */
function subcommandAt(argv: Argv): number {
  const index = cargo.subcommandIndex(argv.slice(1), 'cargo');
  return index < 0 ? -1 : index + 1;
}

/** The value of an option of the command (the last one given), or undefined. */
function optionValue(argv: Argv, name: string): string | null | undefined {
  let found: string | null | undefined;
  for (let i = 1; i < argv.length && argv[i] !== '--'; ) {
    const a = argv[i];
    if (a === null || a === undefined || !a.startsWith('-')) {
      i++;
      continue;
    }
    const o = optionAt(argv, i);
    if (o.option === name) found = o.value;
    i = o.next;
  }
  return found;
}

/** The context path of the manifest the command loads: `--manifest-path`, `install --path`, or Cargo.toml in `dir` or above. */
function entryManifest(argv: Argv, dir: string, context: BuildContext, toContext: ToContext): string | Refusal {
  const named = optionValue(argv, '--manifest-path');
  const installPath = argv[subcommandAt(argv)] === 'install' ? optionValue(argv, '--path') : undefined;
  const given = named ?? (installPath === undefined ? undefined : installPath === null ? null : path.posix.join(installPath, 'Cargo.toml'));
  if (given === null) return { refuse: 'the manifest path depends on a variable' };
  if (given !== undefined) return toContext(given) ?? { refuse: `${given} is not known to come from the build context` };
  // Without one, cargo looks for Cargo.toml in the working directory and then each folder above it.
  return upward(dir).map((d) => path.posix.join(d, 'Cargo.toml')).find((f) => context.exists(f)) ?? { refuse: `no Cargo.toml in ${dir || 'the context root'} or above it in the build context` };
}

const isCargo = (argv: Argv): boolean => basename(argv[0]) === 'cargo';

/**
 * Options whose value names no file cargo reads to resolve the dependencies and is not one `cargo fetch` is given
 * (it fetches for every feature, package and profile): a variable there (`--features "$FEATURES"`) leaves the
 * closure and the fetch as they are.
 */
const FETCH_FREE_VALUE_OPTIONS = new Set(['-F', '--features', '-p', '--package', '--exclude', '-j', '--jobs', '--bin', '--example', '--test', '--bench', '--target-dir', '--artifact-dir', '--message-format', '--profile']);
/** A word through a variable that is no such option's value. */
const dependsOnVariables = (argv: Argv): boolean => argv.some((a, i) => a === null && !FETCH_FREE_VALUE_OPTIONS.has(argv[i - 1] ?? ''));
const chefCooks = (argv: Argv): boolean => isCargo(argv) && argv[subcommandAt(argv)] === 'chef' && argv[subcommandAt(argv) + 1] === 'cook';
const chefCook = 'cargo chef cook builds the dependencies from the recipe `cargo chef prepare` writes, not from the manifests; what it reads besides the recipe (a `[patch]` or path crate it cannot make a skeleton of) dockmod does not follow, so nothing is moved';

export const rustInstallers: readonly Installer[] = [
  // cargo-chef's cook is its own fetch-and-build of the dependencies: a cargo build after it has them already.
  {
    tool: 'cargo',
    ecosystem: 'rust',
    matches: chefCooks,
    unsupported: chefCook,
    manifests: () => ({ refuse: chefCook }),
  },
  {
    tool: 'cargo',
    ecosystem: 'rust',
    // `cargo install <crate>` builds a crate from a registry or git and reads no project file: only `--path` counts.
    matches(argv) {
      if (!isCargo(argv)) return false;
      const sub = argv[subcommandAt(argv)];
      if (!sub || !PROJECT_COMMANDS.has(sub)) return false;
      return sub !== 'install' || argv.some((a) => a === '--path' || a?.startsWith('--path='));
    },
    manifests(argv, dir, context, toContext) {
      if (dependsOnVariables(argv)) return { refuse: "the command's arguments depend on a variable" };
      if (argv.some((a) => a === '-C')) return { refuse: '-C changes the folder cargo looks for its manifest in' };
      const installPath = argv[subcommandAt(argv)] === 'install' ? optionValue(argv, '--path') : undefined;
      // The fetch names the manifest under that path as a new shell word.
      if (installPath && !/^[\w./@+-]+$/.test(installPath)) return { refuse: `--path ${installPath} has characters the fetch command would have to quote` };
      const entry = entryManifest(argv, dir, context, toContext);
      if (typeof entry !== 'string') return entry;
      // `cargo install --path P` looks for config from P/.cargo up, the other commands from their working directory.
      const project = cargoProject(entry, installPath ? folderOf(entry) : dir, context);
      if ('refuse' in project) return project;
      const configFiles = configOptionFiles(argv, context, toContext);
      if (!Array.isArray(configFiles)) return configFiles;
      return { ...project, files: [...project.files, ...configFiles] };
    },
    downloadCache: /(^|\/)\.?cargo(\/registry)?\/?$/,
    prefetch(argv) {
      const sub = subcommandAt(argv);
      if (argv[sub] === 'fetch') return null;
      const words: CommandWord[] = [0];
      if (argv[1]?.startsWith('+')) words.push(1);
      words.push('fetch');
      // `cargo install --path P` reads P/Cargo.toml, which `cargo fetch` is given as its manifest (it finds ./Cargo.toml itself).
      const installPath = argv[sub] === 'install' ? optionValue(argv, '--path') : undefined;
      const manifest = installPath ? path.posix.join(installPath, 'Cargo.toml') : 'Cargo.toml';
      if (manifest !== 'Cargo.toml') words.push('--manifest-path', manifest);
      for (let i = 1; i < argv.length && argv[i] !== '--'; ) {
        const a = argv[i];
        // A word through a variable is not carried: without it, `cargo fetch` fetches for every target (a superset).
        if (a === null || a === undefined || i === sub || !a.startsWith('-') || a.startsWith('+')) {
          i++;
          continue;
        }
        const o = optionAt(argv, i);
        if (CARGO_FETCH_OPTIONS.has(o.option)) for (let k = i; k < o.next; k++) words.push(k);
        i = o.next;
      }
      return words;
    },
  },
];

/** Files `--config <path>` names (a value with `=` is a `KEY=VALUE` setting), to copy with the manifests. */
function configOptionFiles(argv: Argv, context: BuildContext, toContext: ToContext): string[] | Refusal {
  const files: string[] = [];
  for (let i = 1; i < argv.length && argv[i] !== '--'; ) {
    const a = argv[i]!;
    if (!a.startsWith('-')) {
      i++;
      continue;
    }
    const o = optionAt(argv, i);
    i = o.next;
    if (o.option !== '--config' || !o.value || o.value.includes('=')) continue;
    const file = toContext(o.value);
    if (file === null) continue;
    if (!context.exists(file)) return { refuse: `${o.value}, named by --config, is not in the build context` };
    files.push(file);
  }
  return files;
}
