// exec-form-cmd: a shell-form CMD or ENTRYPOINT runs as `/bin/sh -c "..."`: the shell is PID 1, so `docker stop`'s
// SIGTERM never reaches the program, which is killed after the grace period. The JSON (exec) form runs the program
// itself. Converted only when the command has no shell syntax at all: one simple command whose words are all
// static (no variables, globs, `~`, quotes that need a shell, redirections, operators or assignments); a leading
// `exec` is dropped, as the exec form does the same.
// Unsafe: the program now gets signals, and an exec-form CMD is passed to the base image's ENTRYPOINT as separate
// words rather than as `sh -c` and a string. Refuses an ENTRYPOINT in a stage that sets CMD (a shell-form
// ENTRYPOINT ignores CMD, an exec-form one appends it), a CMD in a stage with an ENTRYPOINT, a shell other than sh,
// and instructions continued over several lines.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import { eachInstruction } from '../src/engine/iterate.js';
import type { Document, Instruction } from '../src/engine/document.js';
import { ShellScript, wordValue } from '../src/engine/shell.js';
import { runsPosixShell } from '../src/engine/run-edits.js';

/** The argv of a shell-form command line with no shell syntax, or null. */
function plainArgv(text: string): string[] | null {
  const script = new ShellScript(text, [{ shellStart: 0, docStart: 0, length: text.length }]);
  const statements = script.root.namedChildren;
  const cmd = statements[0];
  if (script.hasError || statements.length !== 1 || cmd?.type !== 'command') return null;
  const argv: string[] = [];
  for (const child of cmd.namedChildren) {
    const word = child?.type === 'command_name' ? child.namedChild(0) : child;
    const value = word ? wordValue(word) : null;
    if (!word || value === null || /^~|[{}]/.test(word.text) || !['word', 'string', 'raw_string', 'number', 'concatenation'].includes(word.type)) return null;
    argv.push(value);
  }
  if (argv[0] === 'exec') argv.shift();
  return argv.length ? argv : null;
}

/** The other instruction of the CMD/ENTRYPOINT pair in the instruction's stage chain, if any. */
function partner(doc: Document, ins: Instruction): Instruction | undefined {
  const other = ins.getKeyword() === 'CMD' ? 'ENTRYPOINT' : 'CMD';
  const stages = [];
  for (let s = doc.stageOf(ins) ?? null, d = 0; s && d < 100; s = doc.parentStage(s), d++) stages.push(s);
  return stages.flatMap((s) => s.instructions).find((i) => i.getKeyword() === other);
}

export const execFormCmd: BuiltinTransformModule = {
  id: 'exec-form-cmd',
  summary: 'write shell-form CMD/ENTRYPOINT without shell syntax in JSON form, so the program gets signals',
  safety: 'unsafe',
  trigger: { instructions: ['CMD', 'ENTRYPOINT'] },
  apply: (doc) =>
    eachInstruction(doc, ['CMD', 'ENTRYPOINT'], (ins, findings) => {
      const kw = ins.getKeyword();
      if ((kw !== 'CMD' && kw !== 'ENTRYPOINT') || doc.execForm(ins)) return;
      const range = ins.getArgumentsRange();
      if (!range) return;
      const text = doc.slice(range);
      if (/^\s*\[/.test(text)) return;
      const argv = range.start.line === range.end.line ? plainArgv(text) : null;
      const other = partner(doc, ins);
      const reason = !argv
        ? 'it uses shell syntax (or spans several lines), which needs the shell'
        : !runsPosixShell(doc, ins)
          ? 'the stage runs another shell than sh'
          : other
            ? `${doc.quote(other)} in the stage would combine with it differently`
            : null;
      if (reason) {
        findings.skip(`${kw} stays in shell form: ${reason}`);
        return;
      }
      const json = `[${argv!.map((a) => JSON.stringify(a)).join(', ')}]`;
      findings.change(`write ${kw} in exec form`, [{ start: doc.offsetAt(range.start), end: doc.offsetAt(range.end), text: json }]);
    }),
};
