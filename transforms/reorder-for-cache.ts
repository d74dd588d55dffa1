// reorder-for-cache: Docker re-runs every step after the first one whose input changed. A COPY of the build
// context changes with every edit, so OS package installs, ENV, ARG, LABEL and EXPOSE written after it re-run (or
// re-key) on every build although they never read the context. Docker's documentation advises putting the steps
// that change least first; this transform moves such steps above the stage's first COPY/ADD from the context.
// Unsafe: the order of the Dockerfile changes, and the cache of every later step is rebuilt once.
// It moves a step only when it can show that nothing it jumps over interacts with it:
// - a RUN moves only when every command is an OS package manager (apt, apk, yum, dnf, zypper) with static words and
//   no local files, or an `rm` of their caches; it may jump over COPY/ADD into application folders (not system
//   paths, not an unknown WORKDIR), LABEL, EXPOSE, WORKDIR, CMD, ENTRYPOINT, HEALTHCHECK and STOPSIGNAL;
// - an ENV or ARG moves only when no RUN lies between, no step between mentions its variables or sets them again;
// - a LABEL or EXPOSE moves when no step between sets a variable its value uses.
import path from 'node:path';
import type { Edit, BuiltinTransform } from '../src/engine/types.js';
import { eachStage } from '../src/engine/iterate.js';
import { IMAGE_WORKDIR, expand, type Document, type Instruction } from '../src/engine/document.js';
import { osPackageSubcommand } from '../src/tools/vocabulary/index.js';
import { OS_PACKAGE_EFFECTS } from '../src/tools/vocabulary/tool.js';
import { isWithin } from '../src/tools/sources.js';

/** An application copy to `target` could collide with a package's files: it is in (or holds) a folder OS packages write. */
const mayHoldPackageFiles = (target: string): boolean => OS_PACKAGE_EFFECTS.writes.some((w) => isWithin(target, w) || isWithin(w, target));
/** Application folders under the system paths that packages leave alone. */
const APPLICATION_PATHS = /^\/usr\/(local\/)?src\/[^/]+/;
/** Instructions an OS package RUN may jump over when their paths allow. */
const INERT = new Set(['LABEL', 'EXPOSE', 'WORKDIR', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'MAINTAINER']);

/** The instruction copies from the build context (the source copy that later steps are moved above). */
function copiesFromContext(doc: Document, ins: Instruction): boolean {
  const copy = doc.copyArgs(ins);
  return !!copy && doc.flag(ins, 'from') === undefined && copy.sources.some((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s));
}

/** Every command of the RUN manages OS packages by name (or removes their caches), reading no local file. */
function isOsPackageRun(doc: Document, run: Instruction): boolean {
  if (doc.flags(run).some((f) => f.getName().toLowerCase() === 'mount' && !/type=(cache|tmpfs|secret)/.test(f.getValue() ?? ''))) return false;
  const script = doc.runScript(run);
  if (!script || script.hasError || doc.hasHeredoc(run) || /[<>|`]|\$\(/.test(script.text.replace(/&&|\|\|/g, ''))) return false;
  const commands = script.commands();
  return (
    commands.length > 0 &&
    commands.every((cmd) => {
      const words = cmd.args.map((a) => a.value);
      if (cmd.name === 'rm') return cmd.args.every((a) => /^(-[rf]+|\/var\/(lib\/apt\/lists|cache\/(apt|apk|yum|dnf|zypp))\/?\*?)$/.test(a.value ?? a.text));
      if (cmd.name === 'set' || cmd.name === 'true') return true;
      return !!osPackageSubcommand(cmd) && words.every((w) => w !== null && !/^(\.|\/)|\.(deb|rpm|apk)$/.test(w));
    }) &&
    [...script.commands()].every((c) => [...c.assignments.keys()].every((k) => k === 'DEBIAN_FRONTEND'))
  );
}

/** Some command of the RUN is an OS package manager (apt, apk, yum, dnf, zypper). */
function managesOsPackages(doc: Document, run: Instruction): boolean {
  const script = doc.runScript(run);
  return !!script && !script.hasError && script.commands().some((c) => osPackageSubcommand(c) !== null);
}

/** Names an ENV or ARG sets. */
function definedNames(ins: Instruction): string[] {
  const kw = ins.getKeyword();
  if (kw !== 'ENV' && kw !== 'ARG') return [];
  return (ins as unknown as { getProperties(): { getName(): string }[] }).getProperties().map((p) => p.getName());
}

/** Variable names an instruction's text mentions (`$X`, `${X...}`). */
function mentionedNames(doc: Document, ins: Instruction): Set<string> {
  const text = doc.slice(ins.getRange());
  return new Set([...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
}

/** A COPY/ADD whose destination is an application folder, provably apart from what OS packages write. */
function copiesIntoApplicationFolder(doc: Document, ins: Instruction): boolean {
  const copy = doc.copyArgs(ins);
  const workdir = doc.workdirAt(ins);
  const dest = copy ? expand(copy.dest, doc.variablesAt(ins)) : null;
  if (!copy || workdir === null || dest === null) return false;
  const target = path.posix.resolve(workdir, dest);
  if (target.startsWith(IMAGE_WORKDIR)) return false;
  return !mayHoldPackageFiles(target) || APPLICATION_PATHS.test(target);
}

/** The first step between that `ins` may depend on (or that may depend on it), with why; null when none. */
function blocker(doc: Document, ins: Instruction, between: Instruction[]): { ins: Instruction; why: string } | null {
  const kw = ins.getKeyword();
  const uses = mentionedNames(doc, ins);
  for (const other of between) {
    const okw = other.getKeyword();
    const redefined = definedNames(other).find((n) => uses.has(n));
    if (redefined) return { ins: other, why: `sets ${redefined}, which it uses` };
    if (kw === 'RUN') {
      if (okw === 'COPY' || okw === 'ADD') {
        if (!copiesIntoApplicationFolder(doc, other)) return { ins: other, why: 'may copy into folders that packages use' };
      } else if (!INERT.has(okw)) return { ins: other, why: 'may change what the install sees' };
    } else if (kw === 'ENV' || kw === 'ARG') {
      const names = definedNames(ins);
      if (okw === 'RUN' || okw === 'ONBUILD') return { ins: other, why: 'runs with the environment it sets' };
      const mentioned = mentionedNames(doc, other);
      const shared = names.find((n) => mentioned.has(n) || definedNames(other).includes(n));
      if (shared) return { ins: other, why: `uses or sets ${shared}` };
    }
  }
  return null;
}

/** Where an instruction's text starts, with the comment lines right above it (they describe it). */
function blockStart(doc: Document, ins: Instruction): number {
  let line = ins.getRange().start.line;
  while (line > 0 && /^[ \t]*#/.test(doc.text.slice(doc.lineStarts[line - 1], doc.lineStarts[line]))) line--;
  return doc.lineStarts[line]!;
}

const MOVABLE = new Set(['ENV', 'ARG', 'LABEL', 'EXPOSE', 'RUN']);

export const reorderForCache: BuiltinTransform = {
  id: 'reorder-for-cache',
  summary: 'move OS package installs, ENV, ARG, LABEL and EXPOSE above the first source COPY (unsafe: reorders)',
  safety: 'unsafe',
  docs: 'docs/transforms/reorder-for-cache.md',
  trigger: { instructions: ['COPY', 'ADD', 'RUN', 'ENV', 'ARG', 'LABEL', 'EXPOSE'], tools: ['apt', 'apk', 'yum', 'dnf', 'microdnf', 'zypper'] },
  apply: (doc) =>
    eachStage(doc, (stage, findings) => {
      const list = stage.instructions;
      const first = list.findIndex((ins) => copiesFromContext(doc, ins));
      if (first < 0) return;
      const copy = list[first]!;
      const moved: Instruction[] = [];
      for (let k = first + 1; k < list.length; k++) {
        const ins = list[k]!;
        if (ins.getKeyword() === 'RUN' && doc.hasHeredoc(ins) && managesOsPackages(doc, ins)) {
          findings.skip(`${doc.quote(ins)} stays below ${doc.quote(copy)}: a RUN with a heredoc is not moved`, ins.getRange().start.line);
          continue;
        }
        if (!MOVABLE.has(ins.getKeyword()) || (ins.getKeyword() === 'RUN' && !isOsPackageRun(doc, ins))) continue;
        const between = list.slice(first, k).filter((i) => !moved.includes(i));
        const stop = blocker(doc, ins, between);
        if (stop) {
          findings.skip(`${doc.quote(ins)} stays below ${doc.quote(copy)}: ${doc.quote(stop.ins)} ${stop.why}`, ins.getRange().start.line);
          continue;
        }
        moved.push(ins);
      }
      if (!moved.length) return;
      const at = blockStart(doc, copy);
      const eol = doc.eolAt(copy.getRange().start.line);
      const edits: Edit[] = moved.map((ins) => ({ start: blockStart(doc, ins), end: doc.endOfLineAfter(ins), text: '' }));
      const text = edits.map((e) => doc.text.slice(e.start, e.end).replace(/(?<!\n)$/, eol)).join('');
      edits.unshift({ start: at, end: at, text });
      findings.change(`move ${moved.map((i) => doc.quote(i)).join(', ')} above ${doc.quote(copy)}`, edits, copy.getRange().start.line, moved.map((ins) => ({ kind: 'instruction', text: doc.instructionText(ins), moved: true })));
    }),
};
