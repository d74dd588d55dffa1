// Edits of RUN scripts shared by the transforms: add a step at the end, remove a step from an `&&` chain, add a
// flag to the RUN. Each keeps the RUN's own layout (continuations, leading or trailing `&&`, CRLF, escape char).
import path from 'node:path';
import type { Document, Instruction, Stage } from './document.js';
import { basename, POSIX_SHELLS, type Command, type ShellNode, type ShellScript } from './shell.js';
import type { Edit } from './types.js';

export interface Refused {
  refuse: string;
}

/** SHELL instructions that keep POSIX syntax (busybox runs its sh); PowerShell and cmd take other syntax. */
const POSIX_SHELL_COMMAND = new RegExp(`^(${POSIX_SHELLS.join('|')}|busybox)$`);
const WINDOWS_IMAGES = /windows|nanoserver|servercore|powershell/i;

/**
 * The RUN is run by a POSIX shell: no SHELL instruction of its stage (or the stages it builds on) names another
 * shell, and the stage's base image is not a Windows image.
 */
export function runsPosixShell(doc: Document, ins: Instruction): boolean {
  const shell = shellOf(doc, ins);
  return shell !== undefined && (shell === null || POSIX_SHELL_COMMAND.test(basename(shell[0] ?? '')));
}

/**
 * The SHELL a RUN runs with: the last SHELL of its stage (or the stages it builds on) before it, as its words;
 * null for the default `/bin/sh -c`, undefined on a Windows base image.
 */
function shellOf(doc: Document, ins: Instruction): readonly string[] | null | undefined {
  const chain: Stage[] = [];
  for (let s = doc.stageOf(ins) ?? null, depth = 0; s && depth < 100; s = doc.parentStage(s), depth++) chain.unshift(s);
  if (!chain.length || WINDOWS_IMAGES.test(chain[0]!.from.getImage() ?? '')) return undefined;
  let shell: readonly string[] | null = null;
  for (const stage of chain) {
    for (const i of stage.instructions) {
      if (i === ins) break;
      if (i.getKeyword() === 'SHELL') shell = doc.execForm(i) ?? [];
    }
  }
  return shell;
}

/**
 * The RUN's SHELL turns errexit on (`SHELL ["/bin/bash", "-eo", "pipefail", "-c"]`, `-o errexit`): a failing
 * statement ends the script, so `a; b` fails with `a` as `a && b` does.
 */
export function shellHasErrexit(doc: Document, ins: Instruction): boolean {
  const shell = shellOf(doc, ins);
  if (!shell || !POSIX_SHELL_COMMAND.test(basename(shell[0] ?? ''))) return false;
  const options = shell.slice(1, shell.includes('-c') ? shell.indexOf('-c') : shell.length);
  return options.some((o, k) => /^-[a-zA-Z]*e[a-zA-Z]*$/.test(o) || (o === '-o' && options[k + 1] === 'errexit'));
}

/**
 * Every comment of a shell-form RUN, in source order: comment lines inside its continuation (which Docker
 * drops from the script) and shell comments. A transform that removes the RUN keeps these.
 */
export function runComments(doc: Document, run: Instruction, script: ShellScript): string[] {
  const found: { at: number; text: string }[] = script.comments().map((c) => ({ at: script.toDoc(c.startIndex), text: c.text }));
  const { start, end } = run.getRange();
  for (let line = start.line + 1; line <= end.line; line++) {
    const lineStart = doc.lineStarts[line]!;
    const text = doc.text.slice(lineStart, doc.lineStarts[line + 1] ?? doc.text.length).replace(/\r?\n$/, '');
    if (/^\s*#/.test(text)) found.push({ at: lineStart, text: text.trim() });
  }
  return found.sort((a, b) => a.at - b.at).map((c) => c.text);
}

/** A RUN written as `RUN <<EOF` whose heredoc body is the script (as opposed to `RUN cat <<EOF > f`). */
export function isHeredocBody(doc: Document, run: Instruction, script: ShellScript): boolean {
  const args = run.getArgumentsRange();
  return doc.hasHeredoc(run) && !!args && script.toDoc(0) !== doc.offsetAt(args.start);
}

/** The line holds nothing but the delimiter of the RUN's heredoc (`EOF`). */
function isHeredocDelimiterLine(doc: Document, run: Instruction, line: number): boolean {
  const args = run.getArgumentsRange();
  const head = args ? /^<<-?(["']?)([^\s"']+)\1/.exec(doc.text.slice(doc.offsetAt(args.start))) : null;
  const text = doc.text.slice(doc.lineStarts[line], doc.lineStarts[line + 1] ?? doc.text.length);
  return !!head && text.trim() === head[2];
}

/** Document offset where the shell text at `offset` begins (a step's start lies on its own line, not the one before). */
export function toDocStart(script: ShellScript, offset: number): number {
  return offset < script.text.length ? script.toDoc(offset + 1) - 1 : script.toDoc(offset);
}

/** The last top-level statement of a script, comments aside. */
function lastStatement(script: ShellScript): ShellNode | null {
  const statements = script.root.namedChildren.filter((n): n is ShellNode => !!n && n.type !== 'comment');
  return statements[statements.length - 1] ?? null;
}

/** The heredoc a statement ends with (`cat > f <<'CONF'` ... `CONF`), or null: the last part of its last part, and so on down. */
function endingHeredoc(statement: ShellNode): ShellNode | null {
  for (let node: ShellNode | null = statement; node; node = node.lastChild) if (node.type === 'heredoc_redirect') return node;
  return null;
}

/**
 * The shell offset where `&& command` can follow the script's last statement, or why there is none. A statement
 * that ends in a heredoc ends, for the shell, with the line of its `<<`: the lines after it are the heredoc's body
 * and terminator, and text put after the terminator would corrupt the terminator line (the heredoc then runs on,
 * the command never comes). So its end is the last word of the `<<` line, before any comment there.
 */
export function lastCommandEnd(script: ShellScript): { at: number } | Refused {
  const last = lastStatement(script);
  if (!last) return { refuse: 'the RUN has no command' };
  if (/^\s*&(?!&)/.test(script.text.slice(last.endIndex))) return { refuse: 'the RUN ends with a background job' };
  if (last.type === 'command' && /^exit\b/.test(last.text)) return { refuse: 'the RUN ends with `exit`' };
  const heredoc = endingHeredoc(last);
  if (!heredoc) return { at: last.endIndex };
  const parts = heredoc.children.filter((c): c is ShellNode => !!c);
  const body = parts.findIndex((c) => c.type === 'heredoc_body' || c.type === 'heredoc_end');
  const delimiter = parts.find((c) => c.type === 'heredoc_start')?.text.replace(/["'\\]/g, '');
  const terminator = parts.find((c) => c.type === 'heredoc_end')?.text.trim();
  // tree-sitter-bash reads `<<A;` as the delimiter `A;` and runs the body to the end: no terminator that matches.
  if (body < 0 || !delimiter || terminator !== delimiter) return { refuse: 'the heredoc of its last command has no clear end' };
  const commandLine = parts.slice(0, body).filter((c) => c.type !== 'comment');
  return { at: commandLine[commandLine.length - 1]!.endIndex };
}

/**
 * Appends `&& command` to the RUN's last command, so it runs only when the script got that far and the RUN
 * still fails when the script failed (a new last line instead would make the RUN's status the command's, unless
 * the script runs under `set -e`). A RUN over several lines gets it on a line of its own.
 */
export function appendToRun(doc: Document, run: Instruction, command: string): Edit | Refused {
  const script = doc.runScript(run);
  if (!script) return { refuse: 'the RUN is in exec form' };
  if (script.hasError) return { refuse: 'the RUN does not parse as shell' };
  const body = isHeredocBody(doc, run, script);
  if (doc.hasHeredoc(run) && !body) return { refuse: 'the RUN feeds a heredoc to a command' };
  if (!runsPosixShell(doc, run)) return { refuse: 'the RUN is not run by a POSIX shell (SHELL or a Windows base image)' };
  const end = lastCommandEnd(script);
  if ('refuse' in end) return end;
  const at = script.toDoc(end.at);
  const line = doc.lineAt(at);
  // A body whose last "command" is its own delimiter line (a `<<EOF\r\r` head) is a heredoc read two ways.
  if (body && isHeredocDelimiterLine(doc, run, line)) return { refuse: 'the heredoc has no clear end' };
  const lineEnd = (doc.lineStarts[line + 1] ?? doc.text.length + 1) - 1;
  const restOfLine = doc.text.slice(at, lineEnd).replace(/\r$/, '');
  const multiLine = !body && run.getRange().start.line < line && /^[ \t]*$/.test(restOfLine);
  if (!multiLine) return { start: at, end: at, text: ` && ${command}` };
  const lineStart = doc.lineStarts[line]!;
  const indent = doc.indentAt(lineStart) || '    ';
  const eol = doc.eolAt(line);
  const leading = /^[ \t]*(&&|\|\|)/.test(doc.text.slice(lineStart, at));
  const text = leading ? ` ${doc.escapeChar}${eol}${indent}&& ${command}` : ` && ${doc.escapeChar}${eol}${indent}${command}`;
  return { start: at, end: at, text };
}

/**
 * Removes the `&&` steps at `indices` (at least one step stays): each run of neighbouring steps goes as one edit,
 * with the `&&` after it, or before it when the run ends the chain. Null when an edit would take a comment.
 */
function removeSteps(doc: Document, script: ShellScript, steps: ShellNode[], indices: number[]): Edit[] | null {
  const removed = new Set(indices);
  if (removed.size >= steps.length) return null;
  const edits: Edit[] = [];
  for (let first = 0; first < steps.length; first++) {
    if (!removed.has(first)) continue;
    let last = first;
    while (removed.has(last + 1)) last++;
    edits.push(
      last < steps.length - 1
        ? { start: toDocStart(script, steps[first]!.startIndex), end: toDocStart(script, steps[last + 1]!.startIndex), text: '' }
        : { start: script.toDoc(steps[first - 1]!.endIndex), end: script.toDoc(steps[last]!.endIndex), text: '' },
    );
    first = last;
  }
  return edits.some((e) => /(^|\n)[ \t]*#/.test(doc.text.slice(e.start, e.end))) ? null : edits;
}

/**
 * Removes commands that stand as statements of their own: steps of the RUN's `&&` chain (see removeSteps), or
 * lines of a `RUN <<EOF` body other than the last (whose exit status is the RUN's). Null when one of them is
 * neither, or when they are the whole chain.
 */
export function removeCommands(doc: Document, run: Instruction, script: ShellScript, cmds: Command[]): Edit[] | null {
  const steps = script.andChain();
  const indices = cmds.map((cmd) => steps?.findIndex((s) => s.type === 'command' && s.startIndex === cmd.start && s.endIndex === cmd.end) ?? -1);
  if (steps && indices.every((i) => i >= 0)) return removeSteps(doc, script, steps, indices);
  if (!isHeredocBody(doc, run, script)) return null;
  const statements = script.root.namedChildren.filter((n): n is ShellNode => !!n && n.type !== 'comment');
  const edits: Edit[] = [];
  for (const cmd of cmds) {
    const at = statements.findIndex((s) => s.startIndex === cmd.start && s.endIndex === cmd.end);
    if (at < 0 || at === statements.length - 1) return null;
    const start = script.toDoc(cmd.start);
    const end = script.toDoc(cmd.end);
    const lineStart = doc.lineStartOf(start);
    const nextLine = doc.lineStarts[doc.lineAt(end) + 1];
    if (nextLine === undefined || !/^[ \t]*$/.test(doc.text.slice(lineStart, start)) || !/^[ \t;]*\r?\n$/.test(doc.text.slice(end, nextLine))) return null;
    edits.push({ start: lineStart, end: nextLine, text: '' });
  }
  return edits;
}

/** Inserts ` text` right after a word of the script (`apt-get install` -> `apt-get install -y`). */
export function insertAfter(script: ShellScript, word: { end: number }, text: string): Edit {
  const at = script.toDoc(word.end);
  return { start: at, end: at, text: ` ${text}` };
}

/** Puts `flags` (`--mount=...`) right after the RUN keyword, before any existing flags. */
export function addRunFlags(doc: Document, run: Instruction, flags: string[]): Edit {
  const keyword = run.getInstructionRange();
  const at = doc.offsetAt(keyword.end);
  return { start: at, end: at, text: flags.map((f) => ` ${f}`).join('') };
}

/**
 * The working directory a command of a RUN runs in: the WORKDIR, moved by static `cd` steps of the RUN's `&&`
 * chain before it. Null when it cannot be known (a dynamic or nested `cd`, `pushd`, an unknown WORKDIR).
 */
export function runWorkingDirectory(doc: Document, run: Instruction, script: ShellScript, cmd: Command): string | null {
  let cwd = doc.workdirAt(run);
  const moves = script.commands().filter((c) => c.start < cmd.start && ['cd', 'pushd', 'popd'].includes(c.name));
  if (!moves.length || cwd === null) return cwd;
  const steps = script.andChain();
  for (const move of moves) {
    const topLevel = steps?.some((s) => s.startIndex === move.start && s.endIndex === move.end);
    const to = move.args.length === 1 ? move.args[0]!.value : null;
    if (move.name !== 'cd' || !topLevel || to === null || to === '-' || to.startsWith('~')) return null;
    cwd = path.posix.resolve(cwd, to);
  }
  return cwd;
}

/**
 * Shell builtins that change the state later commands of the same shell run in (POSIX's special built-ins, `cd`,
 * `read` and the like, bash's own); any other command runs as a program of its own, which cannot.
 */
export const STATE_CHANGING: ReadonlySet<string> = new Set(['cd', 'pushd', 'popd', 'export', 'set', 'unset', 'source', '.', 'alias', 'unalias', 'umask', 'shopt', 'trap', 'exec', 'exit', 'return', 'declare', 'typeset', 'local', 'readonly', 'ulimit', 'eval', 'hash', 'shift', 'enable', 'builtin', 'read', 'getopts', 'mapfile', 'readarray', 'let']);

/**
 * The script may change the shell's own state (working directory, variables, options, traps) or stop the shell,
 * so commands appended to it would not run as they would in a RUN of their own. Errs on the side of true.
 */
export function changesShellState(script: ShellScript): boolean {
  const pending: ShellNode[] = [script.root];
  while (pending.length) {
    const node = pending.pop()!;
    if (['declaration_command', 'unset_command', 'function_definition', 'variable_assignment', 'variable_assignments'].includes(node.type)) {
      if (!(node.type === 'variable_assignment' && node.parent?.type === 'command')) return true;
    }
    if (node.type === 'command' && STATE_CHANGING.has(node.childForFieldName('name')?.text ?? '')) return true;
    for (const child of node.namedChildren) if (child) pending.push(child);
  }
  return false;
}
