// The shared vocabulary for the commands transforms look for. Each predicate reads like the rule it serves.
import type { Document, Instruction } from '../engine/document.js';
import { POSIX_SHELLS, ShellScript, type Command, type ShellNode, type Segment, type Word } from '../engine/shell.js';
import type { Skip, TransformResult } from '../engine/types.js';
import { eachInstruction, type Findings } from '../engine/iterate.js';
import { basename } from './vocabulary/tool.js';

/** Static values of a command's arguments (null for dynamic words). */
export function argValues(cmd: Command): (string | null)[] {
  return cmd.args.map((a) => a.value);
}

/** An argument list has `--flag` or `--flag=value` (or the short form). */
export function hasOption(args: readonly (string | null)[], ...names: string[]): boolean {
  return args.some((a) => a !== null && names.some((n) => a === n || a.startsWith(`${n}=`)));
}

/** A path argument (`rm -rf /var/lib/apt/lists/*`) as written, for clean-up checks: globs are kept as text. */
export const pathTexts = (cmd: Command): string[] => cmd.args.map((a) => a.value ?? a.text.replace(/^["']|["']$/g, ''));

/**
 * The RUN's script when its commands can be read, else null (exec form, a script that does not parse). A RUN
 * with a command the transform looks for (`mentions`, the transform's own predicate) that cannot be read, or
 * that holds such a command in the body of a heredoc fed to a command, gets a skip saying why (unreadMention).
 */
export function readableScript(doc: Document, run: Instruction, mentions: (cmd: Command) => boolean, skips: Skip[]): ShellScript | null {
  const script = doc.runScript(run);
  if (!script) return null;
  const unread = unreadMention(script, mentions);
  if (unread) skips.push({ line: run.getRange().start.line, reason: unread });
  return script.hasError ? null : script;
}

/**
 * Runs `visit` on each RUN whose script can be read (readableScript; unreadable RUNs with a command `mentions`
 * finds are reported). `leftAlone` RUNs are passed over without a word (a cache mount already holds the cache).
 */
export function eachReadableRun(
  doc: Document,
  mentions: (cmd: Command) => boolean,
  visit: (run: Instruction, script: ShellScript, findings: Findings) => void,
  leftAlone: (run: Instruction) => boolean = () => false,
): TransformResult {
  return eachInstruction(doc, 'RUN', (run, findings) => {
    if (leftAlone(run)) return;
    const script = readableScript(doc, run, mentions, findings.skips);
    if (script) visit(run, script, findings);
  });
}

/**
 * Why a RUN with a command that `mentions` cannot have its commands read, or null: the script does not parse, or
 * the command is in the body of a heredoc fed to a command that is not the RUN's shell (`RUN cat <<EOF > f`,
 * `RUN python3 <<EOF`), which is data to the shell. (A heredoc that is the script, `RUN <<EOF` or `RUN sh <<EOF`,
 * is the RUN's script itself: Document.runScript reads it.) Transforms leave such a RUN as written and report this.
 */
function unreadMention(script: ShellScript, mentions: (cmd: Command) => boolean): string | null {
  if (script.hasError) return script.commandsOfPieces().some(mentions) ? 'the RUN does not parse as shell, so it is left untouched' : null;
  // A heredoc needs `<<`; most scripts have none, and walking their trees is not free.
  if (!script.text.includes('<<')) return null;
  const pending: ShellNode[] = [script.root];
  while (pending.length) {
    const node = pending.pop()!;
    if (node.type === 'heredoc_body' && new ShellScript(node.text, []).commands().some(mentions)) {
      const statement = node.parent?.parent;
      const name = statement?.type === 'redirected_statement' ? statement.childForFieldName('body')?.childForFieldName('name')?.text : undefined;
      return `the RUN feeds a heredoc to ${name ? `\`${name}\`` : 'a command'}, whose body is not read as commands, so it is left as written`;
    }
    for (const child of node.namedChildren) if (child) pending.push(child);
  }
  return null;
}

const SHELLS = new RegExp(`^(${POSIX_SHELLS.join('|')})$`);

/** The argument a command runs as a shell command line: `sh -c '...'`, `su app -c '...'`, `scl enable python27 '...'`. */
function commandStringArg(cmd: Command): Word | null {
  const tool = basename(cmd.name);
  const values = argValues(cmd);
  if (SHELLS.test(tool)) {
    const option = values.findIndex((v) => v !== null && /^-[a-z]*c[a-z]*$/.test(v));
    return option >= 0 && values.slice(0, option).every((v) => v?.startsWith('-')) ? (cmd.args[option + 1] ?? null) : null;
  }
  if (tool === 'su' || tool === 'runuser') {
    const option = values.findIndex((v) => v === '-c' || v === '--command');
    return option >= 0 ? (cmd.args[option + 1] ?? null) : null;
  }
  if (tool === 'scl' && values[0] === 'enable' && values.length >= 3 && !values.includes('--')) return cmd.args[cmd.args.length - 1]!;
  return null;
}

/**
 * The command lines a script passes to another shell as one quoted string (see commandStringArg), parsed, with
 * offsets mapped to the Dockerfile. Only strings whose text is their value (single quotes, or double quotes
 * without escapes or expansions) and that parse without comments are read, so an edit inside them means what it
 * says.
 */
export function commandStrings(script: ShellScript): ShellScript[] {
  const out: ShellScript[] = [];
  for (const cmd of script.commands()) {
    const arg = commandStringArg(cmd);
    if (!arg || arg.value === null || !/^(['"]).*\1$/s.test(arg.text) || arg.text.slice(1, -1) !== arg.value) continue;
    const segments: Segment[] = [];
    for (let i = 0; i < arg.value.length; i++) {
      const doc = script.toDoc(arg.start + 1 + i);
      const last = segments[segments.length - 1];
      if (last && last.docStart + last.length === doc) last.length++;
      else segments.push({ shellStart: i, docStart: doc, length: 1 });
    }
    const inner = new ShellScript(arg.value, segments);
    // A comment inside the string would hide from a reader where the command line ends: leave such strings alone.
    if (!inner.hasError && !inner.comments().length) out.push(inner);
  }
  return out;
}
