// Seeded mutations of Dockerfiles for the fuzz tests: each mutation is plain data, so a case is its seed file
// plus a list that can be printed, replayed and shrunk.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export interface Rng {
  /** An integer in [0, n). */
  below(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function seededRng(seed: number): Rng {
  const gen = xoroshiro128plus(seed);
  const rng: Rng = {
    below: (n) => (n <= 1 ? 0 : uniformInt(gen, 0, n - 1)),
    chance: (p) => rng.below(1_000_000) < p * 1_000_000,
    pick: (items) => items[rng.below(items.length)]!,
  };
  return rng;
}

/** The seed of case `index` of a run seeded with `seed`: any one case replays alone. */
export const caseSeed = (seed: number, index: number): number => (Math.imul(index + 1, 0x9e3779b1) ^ seed) | 0;

/** Line numbers are taken modulo the line count when applied, so a mutation stays valid when others are dropped. */
export type Mutation =
  | { op: 'delete'; line: number }
  | { op: 'duplicate'; line: number }
  | { op: 'swap'; line: number; other: number }
  /** Appends an escape character to the line, joining the next line to it. */
  | { op: 'continuation'; line: number; escape: string }
  | { op: 'comment'; line: number; text: string }
  /** Replaces `replace` bytes at `offset` (modulo the length) with `bytes`. */
  | { op: 'bytes'; offset: number; replace: number; bytes: readonly number[] }
  /** Flips the line ending of one line (CRLF <-> LF), or of every line. */
  | { op: 'crlf'; line: number; all: boolean };

export const MUTATION_OPS = ['delete', 'duplicate', 'swap', 'continuation', 'comment', 'bytes', 'crlf'] as const;

const COMMENTS = ['# fuzz comment', '    # indented fuzz comment', '#', '# escape=`', '# syntax=docker/dockerfile:1', '#!/bin/sh -e'];

/** Pieces of Dockerfile and shell syntax: inserted whole, they reach the parsers' corners that noise does not. */
const TOKENS = [
  '&&', '||', ';', '|', '\\', '`', "'", '"', '$(', ')', '${X:-y}', '#', ' ', '\t', '\n', '\r\n', '[', ']', '{', '}',
  '<<EOF\n', '<<-"EOF"\n', '\nEOF\n', 'RUN ', 'COPY . .\n', 'COPY package.json ./\n', 'RUN npm ci\n', 'WORKDIR /app\n',
  'apt-get update', 'apt-get install -y curl', 'pip install -r requirements.txt', 'RUN apt-get update\n',
  '--mount=type=cache,target=/root/.cache ', '--from=build ', 'ENV PIP_NO_CACHE_DIR=1\n', 'FROM scratch AS x\n',
  'é', '😀', '\u00a0', '\u2028', '\ufeff',
];

/** Between one and four mutations, of every kind, for a file of `lineCount` lines. */
export function randomMutations(rng: Rng, lineCount: number, byteCount: number): Mutation[] {
  const line = () => rng.below(Math.max(lineCount, 1) + 2);
  const out: Mutation[] = [];
  for (let n = 1 + rng.below(4); n > 0; n--) {
    switch (rng.pick(MUTATION_OPS)) {
      case 'delete':
        out.push({ op: 'delete', line: line() });
        break;
      case 'duplicate':
        out.push({ op: 'duplicate', line: line() });
        break;
      case 'swap': {
        const at = line();
        out.push({ op: 'swap', line: at, other: rng.chance(0.5) ? at + 1 : line() });
        break;
      }
      case 'continuation':
        out.push({ op: 'continuation', line: line(), escape: rng.chance(0.85) ? '\\' : '`' });
        break;
      case 'comment':
        out.push({ op: 'comment', line: line(), text: rng.pick(COMMENTS) });
        break;
      case 'bytes': {
        const noise = rng.chance(0.3);
        const bytes = noise ? Array.from({ length: 1 + rng.below(4) }, () => rng.below(256)) : [...Buffer.from(rng.pick(TOKENS), 'utf8')];
        out.push({ op: 'bytes', offset: rng.below(byteCount + 1), replace: rng.chance(0.3) ? rng.below(4) : 0, bytes });
        break;
      }
      case 'crlf':
        out.push({ op: 'crlf', line: line(), all: rng.chance(0.3) });
        break;
    }
  }
  return out;
}

/** Lines with their endings (`\n` or `\r\n`); the last may have none. */
export function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, start)) {
    lines.push(bytes.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

const CRLF = Buffer.from('\r\n');
const LF = Buffer.from('\n');

function ending(line: Buffer): Buffer {
  if (line.at(-1) !== 10) return Buffer.alloc(0);
  return line.at(-2) === 13 ? CRLF : LF;
}

const body = (line: Buffer): Buffer => line.subarray(0, line.length - ending(line).length);

function flipEnding(line: Buffer): Buffer {
  const eol = ending(line);
  if (!eol.length) return line;
  return Buffer.concat([body(line), eol === CRLF ? LF : CRLF]);
}

export function applyMutation(bytes: Buffer, m: Mutation): Buffer {
  if (m.op === 'bytes') {
    const at = bytes.length ? m.offset % (bytes.length + 1) : 0;
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(Math.min(bytes.length, at + m.replace))]);
  }
  const lines = splitLines(bytes);
  if (!lines.length) return m.op === 'comment' ? Buffer.from(`${m.text}\n`) : bytes;
  const i = m.line % lines.length;
  // A line moved to the end keeps working as a line: it gets an ending if it had none.
  const eol = ending(lines[0]!).length ? ending(lines[0]!) : LF;
  const whole = (line: Buffer) => (ending(line).length ? line : Buffer.concat([line, eol]));
  switch (m.op) {
    case 'delete':
      lines.splice(i, 1);
      break;
    case 'duplicate':
      lines.splice(i, 1, whole(lines[i]!), lines[i]!);
      break;
    case 'swap': {
      const j = m.other % lines.length;
      const [a, b] = [whole(lines[i]!), whole(lines[j]!)];
      lines[i] = b;
      lines[j] = a;
      break;
    }
    case 'continuation':
      lines[i] = Buffer.concat([body(lines[i]!), Buffer.from(` ${m.escape}`), ending(lines[i]!)]);
      break;
    case 'comment':
      lines.splice(i, 0, Buffer.from(m.text + eol.toString()));
      break;
    case 'crlf':
      if (m.all) return Buffer.concat(lines.map(flipEnding));
      lines[i] = flipEnding(lines[i]!);
      break;
  }
  return Buffer.concat(lines);
}

export const applyMutations = (bytes: Buffer, mutations: readonly Mutation[]): Buffer => mutations.reduce(applyMutation, bytes);
