// Unified diffs that `git apply` accepts, and the one-line summary.
import path from 'node:path';
// The package's subpath export: all of `diff` (19 modules) costs a one-file run about 8 ms more.
import { structuredPatch } from 'diff/lib/patch/create.js';
import { quoteName } from '../engine/escape.js';

const toPosix = (p: string) => p.split(path.sep).join('/');

/** A git-style unified diff of one file; `before` undefined means the file is new. Empty when nothing changed. */
export function unifiedDiff(file: string, before: string | undefined, after: string, cwd = process.cwd()): string {
  if (before === after) return '';
  const rel = toPosix(path.relative(cwd, path.resolve(file)));
  const patch = structuredPatch(`a/${rel}`, `b/${rel}`, before ?? '', after, '', '', { context: 3 });
  // Quoted as git quotes them, a name cannot end the header line and start a hunk of its own.
  const [oldName, newName] = [quoteName(`a/${rel}`), quoteName(`b/${rel}`)];
  const head = [`diff --git ${oldName} ${newName}`];
  if (before === undefined) head.push('new file mode 100644', '--- /dev/null');
  else head.push(`--- ${oldName}`);
  head.push(`+++ ${newName}`);
  const body = patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  return `${[...head, ...body].join('\n')}\n`;
}

const ansi = { red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** Colours a diff for a terminal. */
export function colorDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) => {
      if (/^(diff --git|--- |\+\+\+ |new file mode)/.test(l)) return `${ansi.bold}${l}${ansi.reset}`;
      if (l.startsWith('@@')) return `${ansi.cyan}${l}${ansi.reset}`;
      if (l.startsWith('+')) return `${ansi.green}${l}${ansi.reset}`;
      if (l.startsWith('-')) return `${ansi.red}${l}${ansi.reset}`;
      return l;
    })
    .join('\n');
}

export interface Tally {
  changed: number;
  unchanged: number;
  /** Files left unchanged where some transform said why it refused. */
  skipped: number;
  /** Files found by their name whose content is no Dockerfile, left alone. */
  notDockerfiles: number;
  errors: number;
  heldBack: number;
  seconds: number;
}

/** `interrupted`: the signal that stopped a --write run before every file was written. */
export function summaryLine(t: Tally, wrote: boolean, interrupted?: NodeJS.Signals): string {
  const parts = [
    `${t.changed} ${wrote ? 'changed' : 'would change'}`,
    `${t.unchanged} unchanged`,
    `${t.skipped} with skips`,
    ...(t.notDockerfiles ? [`${t.notDockerfiles} not ${t.notDockerfiles === 1 ? 'a Dockerfile' : 'Dockerfiles'}`] : []),
    `${t.errors} ${t.errors === 1 ? 'error' : 'errors'}`,
  ];
  if (t.heldBack) parts.push(`${t.heldBack} unsafe ${t.heldBack === 1 ? 'fix' : 'fixes'} held back (--unsafe to apply)`);
  const stop = interrupted ? `, interrupted by ${interrupted}: the other files are left as they were` : '';
  return `dockmod: ${parts.join(', ')} (${t.seconds.toFixed(2)}s)${stop}`;
}
