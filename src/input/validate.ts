// Refusing what is not a Dockerfile dockmod can rewrite: bytes that are no UTF-8 text, text that is no Dockerfile
// at all (NotDockerfileError), and text that Docker (BuildKit) and dockmod's parser (dockerfile-ast) would read
// differently, since a rewrite of the parser's reading could change what Docker builds.
import { BOM } from '../engine/engine.js';
import type { Document } from '../engine/document.js';
import type { Heredoc, Instruction } from 'dockerfile-ast';
import { InputError, MAX_FILE_BYTES, tooLarge } from './read.js';

/**
 * Text that is no Dockerfile, as Docker's reference defines one: "A Dockerfile must begin with a FROM instruction.
 * This may be after parser directives, comments, and globally scoped ARGs." Docker's Dockerfile frontend builds
 * none of it (an empty file, a template whose first line is `{{`, a source file named `Dockerfile.java`), so a run
 * that found such a file by its name leaves it alone with a note (src/cli/run.ts); named, it is an error.
 * `reason` says why, for that note; the message is the error's.
 */
export class NotDockerfileError extends InputError {
  constructor(file: string, readonly reason: string, message = reason) {
    super(file, message);
    this.name = 'NotDockerfileError';
  }
}

const KNOWN_INSTRUCTIONS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** A Dockerfile's bytes as text (with any BOM), and the BOM; an InputError when they are no UTF-8 text. */
export function decodeDockerfile(file: string, bytes: Buffer): { text: string; bom: string } {
  if (bytes.length === 0) throw new NotDockerfileError(file, 'empty file');
  if (bytes.length > MAX_FILE_BYTES) throw new InputError(file, tooLarge(bytes.length));
  if (bytes[0] === 0xff && bytes[1] === 0xfe || bytes[0] === 0xfe && bytes[1] === 0xff) throw new InputError(file, 'UTF-16 encoded (dockmod reads UTF-8)');
  if (bytes.includes(0)) throw new InputError(file, 'binary file (contains NUL bytes)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InputError(file, 'not valid UTF-8');
  }
  return { text, bom: text.startsWith(BOM) ? BOM : '' };
}

/**
 * Throws an InputError naming the line where Docker and dockmod's parser read the parsed text (without its BOM)
 * differently, or where it is no Dockerfile dockmod rewrites: an unknown instruction, a heredoc no line ends; a
 * NotDockerfileError when it does not begin with FROM.
 */
export function validateDockerfile(file: string, doc: Document): void {
  const body = doc.text;
  // Docker ends lines at \n only; dockerfile-ast also at a lone \r, so the two would see different instructions.
  const loneCarriageReturn = /\r(?!\n)/.exec(body);
  if (loneCarriageReturn) {
    const line = body.slice(0, loneCarriageReturn.index).split('\n').length;
    throw new InputError(file, `line ${line} has a carriage return that does not end the line, which Docker and dockmod's parser read differently`);
  }
  const escape = escapeDirective(body);
  if (escape && escape.value !== '\\' && escape.value !== '`') {
    throw new InputError(file, `invalid escape directive on line ${escape.line}: '${escape.value}' (must be \\ or \`)`);
  }
  // dockerfile-ast reads a directive with any white space (`#\uFEFF escape=`), BuildKit only with spaces and tabs.
  if (doc.escapeChar !== (escape?.value ?? '\\')) {
    throw new InputError(file, `the escape character is ${doc.escapeChar} for dockmod's parser but ${escape?.value ?? '\\'} for Docker, which read the parser directives differently`);
  }
  const instructions = doc.instructions();
  const firstIndex = instructions.findIndex((i) => i.getKeyword() !== 'ARG');
  const first = instructions[firstIndex];
  if (first?.getKeyword() !== 'FROM') {
    // The first instruction is Docker's first too only when the global ARGs before it end where Docker ends them.
    const globalArgs = firstIndex < 0 ? instructions : instructions.slice(0, firstIndex);
    const argsMisread = doc.escapedSpaceBeforeContinuation(globalArgs) ?? doc.instructionEndsMisread(globalArgs);
    if (argsMisread) throw new InputError(file, argsMisread);
    if (first && !KNOWN_INSTRUCTIONS.has(first.getKeyword())) throw new NotDockerfileError(file, unknownInstruction(first));
    throw new NotDockerfileError(file, 'no FROM before the first instruction', 'not a Dockerfile: no FROM before the first instruction');
  }
  const unknown = instructions.find((i) => !KNOWN_INSTRUCTIONS.has(i.getKeyword()));
  if (unknown) throw new InputError(file, unknownInstruction(unknown));
  const escapedSpace = doc.escapedSpaceBeforeContinuation();
  if (escapedSpace) throw new InputError(file, escapedSpace);
  // The rest of the file would be read as the heredoc's body: a typo, not something to rewrite around.
  for (const ins of instructions) {
    let heredocs: Heredoc[];
    try {
      heredocs = doc.heredocs(ins);
    } catch {
      // dockerfile-ast throws on some malformed openers (`<<-'EOT''`).
      throw new InputError(file, `the heredoc opened on line ${ins.getRange().start.line + 1} cannot be read`);
    }
    const open = heredocs.find((h) => h.getDelimiterRange() === null);
    if (open) throw new InputError(file, `unterminated heredoc <<${open.getName()} on line ${open.getStartRange().start.line + 1}: no line ends it`);
  }
  const misread = doc.instructionEndsMisread();
  if (misread) throw new InputError(file, misread);
}

const unknownInstruction = (ins: Instruction): string => `unknown instruction '${ins.getInstruction()}' on line ${ins.getRange().start.line + 1}`;

/** BuildKit's reading of a parser directive: the whole rest of the line, trimmed, is the value. */
const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;

/** The `# escape=` directive among the directives at the top of the file, as BuildKit reads it. */
function escapeDirective(text: string): { line: number; value: string } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = DIRECTIVE.exec(lines[i]!.replace(/\r$/, ''));
    if (!match) return undefined;
    if (match[1]!.toLowerCase() === 'escape') return { line: i + 1, value: match[2]! };
  }
  return undefined;
}
