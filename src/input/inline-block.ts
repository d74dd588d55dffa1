// What every kind of inline Dockerfile (a compose YAML scalar, a bake HCL heredoc or string, a bake JSON string)
// gives the run that rewrites it, and the one way a new Dockerfile is written back: line by line, the lines the
// rewrite keeps exactly as they were written, only the others written anew in the block's own encoding.
import { diffArrays } from 'diff/lib/diff/array.js';
import type { InlineBuild } from '../contexts/compose.js';

/** An inline Dockerfile found in a build file: where its text is, and how to write a new Dockerfile into it. */
export interface InlineBlock {
  /** [start, end) of the source text that a rewrite replaces. */
  start: number;
  end: number;
  /** The Dockerfile the build tool builds from the block. */
  dockerfile: string;
  /** 1-based line of the build file where the block is declared (its key or attribute). */
  line: number;
  /** 1-based line of the build file that holds the Dockerfile's 1-based line. */
  fileLine(line: number): number;
  /** The block's new source text for a new Dockerfile, or why the block cannot hold it. */
  render(dockerfile: string): { text: string } | { refusal: string } | Promise<{ text: string } | { refusal: string }>;
}

/** A build file's kind of inline Dockerfile: the key its skips carry, and each build's block or why there is none. */
export interface InlineFormat {
  /** The build file's key for an inline Dockerfile (`dockerfile_inline`, `dockerfile-inline`): skips about the block carry it. */
  key: string;
  /** What the builds are called in messages (`service`, `target`). */
  noun: string;
  locate(build: InlineBuild): InlineBlock | { line: number; reason: string } | Promise<InlineBlock | { line: number; reason: string }>;
}

/** Lines without their line endings; a final line break ends the last line rather than starting an empty one. */
export const lines = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** One line of a block as written: its text and the line break after it ('' for a last line without one). */
export interface SourceLine {
  text: string;
  eol: string;
}

export interface LineWriter {
  /** The source of a new line (without its line break). */
  write(line: string): string;
  /** The source of a changed line, from the line it replaces (an index into the source lines), keeping what did not change. */
  rewrite?(replaced: number, line: string): string;
  /** The line break after a line written anew. */
  eol: string;
  /** The break after the last line, where the new text decides it (a string's final `\n`); else the line's own. */
  lastEol?: string;
}

/**
 * The new source of a block's lines: each line the new Dockerfile keeps is copied from `source` (the block's
 * lines, one for each of `oldLines`); the others are written by `writer`, a changed line (one of as many removed
 * lines as added) by `rewrite` where the writer has it.
 */
export function rewriteLines(oldLines: readonly string[], newLines: readonly string[], source: readonly SourceLine[], writer: LineWriter): string {
  const out: SourceLine[] = [];
  let from = 0;
  const parts = diffArrays(oldLines as string[], newLines as string[]);
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    const next = parts[k + 1];
    if (part.removed && writer.rewrite && next?.added && next.value.length === part.value.length) {
      next.value.forEach((line, j) => out.push({ text: writer.rewrite!(from + j, line), eol: source[from + j]!.eol || writer.eol }));
      from += part.value.length;
      k++;
    } else if (part.removed) from += part.value.length;
    else if (part.added) out.push(...part.value.map((line) => ({ text: writer.write(line), eol: writer.eol })));
    else {
      out.push(...source.slice(from, from + part.value.length));
      from += part.value.length;
    }
  }
  return out.map((l, i) => l.text + (i < out.length - 1 ? l.eol || writer.eol : (writer.lastEol ?? l.eol))).join('');
}

/** A block's source split into lines with their breaks (`\n` or `\r\n`). */
export const sourceLines = (text: string): SourceLine[] =>
  (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).map((l) => {
    const eol = /\r?\n$/.exec(l)?.[0] ?? '';
    return { text: l.slice(0, l.length - eol.length), eol };
  });
