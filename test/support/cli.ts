// Running the built CLI and laying out small file trees, for tests that drive dockmod as a user would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess, type ChildProcessWithoutNullStreams, type SpawnSyncReturns } from 'node:child_process';

/** This checkout's built CLI (npm run build). */
export const CLI = path.resolve(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');

export interface CliOptions {
  /** Standard input (for `dockmod -`). */
  input?: string;
  /** Variables added to the environment. */
  env?: Record<string, string>;
  /** Milliseconds before the run is killed, so that a hang fails the test instead of stopping it (default 60 s). */
  timeout?: number;
  /** Run as this user (and group). */
  uid?: number;
  /** Another build of dockmod's CLI to run (a copy of the package); default: CLI. */
  program?: string;
}

/** One environment for every run: CI set, no colours, the rest as the tests' own. */
const environment = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, CI: '1', FORCE_COLOR: '0', NO_COLOR: '1', ...extra });

/** The built dockmod with `args` in `cwd`, as CI runs it (no TTY), to its end. */
export function dockmod(args: string[], cwd: string, options: CliOptions = {}): SpawnSyncReturns<string> {
  const { input, env, timeout = 60_000, uid, program = CLI } = options;
  return spawnSync(process.execPath, [program, ...args], { cwd, input, encoding: 'utf8', env: environment(env), timeout, maxBuffer: 1 << 28, ...(uid === undefined ? {} : { uid, gid: uid }) });
}

/** The same run started and left running, for tests that signal or kill it; `ignore`: its output is not read. */
export function startDockmod(args: string[], cwd: string): ChildProcessWithoutNullStreams;
export function startDockmod(args: string[], cwd: string, stdio: 'ignore'): ChildProcess;
export function startDockmod(args: string[], cwd: string, stdio: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd, env: environment(), stdio });
}

/** A new temp folder holding `files` (relative path -> text); its path is pushed on `temps` for clean-up. */
export function tempTree(prefix: string, files: Record<string, string>, temps: string[]): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  temps.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
