// The shared corpus (../shared/corpus), laid out as build-context folders with its own materialize.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export const CORPUS = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'corpus');
export const corpusAvailable = fs.existsSync(path.join(CORPUS, 'materialize.mjs'));

/** Lays out every corpus case under a new temp folder; returns the folder of each case by id. */
export function materializeCorpus(): { root: string; cases: { id: string; dir: string }[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-corpus-'));
  execFileSync(process.execPath, [path.join(CORPUS, 'materialize.mjs'), '--all', path.join(CORPUS, 'cases'), root], { stdio: 'ignore' });
  const cases = fs.readdirSync(root).sort().map((id) => ({ id, dir: path.join(root, id) }));
  return { root, cases };
}
