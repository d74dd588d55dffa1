// Rust's Cargo. Options as `cargo help <command>` documents them (The Cargo Book, Commands).
import { defineTool, firstWordIndex } from './tool.js';

/** Global options that take a value and may stand before the subcommand (`cargo --config k=v build`). */
const GLOBAL_VALUE_OPTIONS: ReadonlySet<string> = new Set(['--config', '-Z', '--color', '-C', '--explain']);

/** Options of `cargo build`, `test`, `install` and `fetch` that take the next word as their value. */
export const CARGO_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  ...GLOBAL_VALUE_OPTIONS,
  '-p', '--package', '--exclude', '-j', '--jobs', '--bin', '--example', '--test', '--bench', '-F', '--features',
  '--target', '--target-dir', '--artifact-dir', '--manifest-path', '--lockfile-path', '--message-format', '--profile',
  // cargo install
  '--path', '--root', '--version', '--vers', '--git', '--branch', '--tag', '--rev', '--registry', '--index',
]);

/**
 * The options `cargo fetch` takes as the other commands do (`cargo help fetch`): which manifest, the target
 * platforms to fetch for, the lockfile and network rules, configuration, unstable flags and output. The
 * others only shape the compilation (profile, packages, features, targets of the crate, jobs).
 */
export const CARGO_FETCH_OPTIONS: ReadonlySet<string> = new Set([
  '--manifest-path', '--target', '--locked', '--frozen', '--offline', '--config', '-Z', '--color', '-q', '--quiet', '-v', '-vv', '--verbose',
]);

export const cargo = defineTool({
  id: 'cargo',
  kind: 'language',
  commands: /^cargo$/,
  valueOptions: GLOBAL_VALUE_OPTIONS,
  installs: new Set(['build', 'fetch', 'install', 'test']),
  effects: { writes: ['./target', '/usr/local/cargo/registry'], reads: ['Cargo.toml', 'Cargo.lock'] },
  // rustup's `+toolchain` comes first (`cargo +nightly build`).
  subcommandIndex(args) {
    const skip = typeof args[0] === 'string' && args[0].startsWith('+') ? 1 : 0;
    const index = firstWordIndex(args.slice(skip), GLOBAL_VALUE_OPTIONS);
    return index < 0 ? -1 : index + skip;
  },
});
