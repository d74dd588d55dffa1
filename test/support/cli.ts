// Running the built CLI and laying out small file trees, for tests that drive dockmod as a user would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const cli = path.resolve(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');

/** dockmod with `args` in `cwd`, as CI runs it (no TTY, CI set). */
export const dockmod = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });

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
