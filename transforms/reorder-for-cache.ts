// reorder-for-cache: Docker re-runs every step after the first one whose input changed. A COPY of the build
// context changes with every edit, so an OS package install or a global tool install written after it re-runs on
// every build although it never reads the context. Docker's documentation advises putting the steps that change
// least first; this transform moves such RUNs above the first copy that changes from build to build (of the
// context, or of another stage's files made from the sources) that they can pass, with the ENV and ARG they use. Safe: it moves a step only when the effect model shows that nothing it jumps over interacts with it:
// - a RUN moves only when every command is an OS package manager (apt, apk, yum, dnf, zypper) with static words and
//   no local files, or a global install of named packages by a tool that reads no configuration from the working
//   directory (npm -g, pip, gem), with `rm` of caches; it may jump over COPY/ADD whose destination is apart from
//   what it writes (not system paths, not home folders for a tool install, not an unknown WORKDIR), LABEL, EXPOSE,
//   WORKDIR, CMD, ENTRYPOINT, HEALTHCHECK and STOPSIGNAL;
// - an ENV or ARG moves only along with a moved RUN that uses it, when no RUN lies between and no step between
//   mentions its variables or sets them again; LABEL and EXPOSE are not moved (they cost nothing where they are).
import path from 'node:path';
import type { BuildContext, Edit, BuiltinTransformModule } from '../src/engine/types.js';
import { eachStage } from '../src/engine/iterate.js';
import { IMAGE_WORKDIR, type Document, type Instruction } from '../src/engine/document.js';
import { osPackageSubcommand, toolOf } from '../src/tools/vocabulary/index.js';
import { OS_PACKAGE_EFFECTS } from '../src/tools/vocabulary/tool.js';
import { copyTarget, definedNames, isWithin, mentionedNames, runEffects, TOOL_ENVIRONMENT, UNKNOWN, type Effect } from '../src/tools/effects.js';
import type { Command } from '../src/engine/shell.js';
import { copiesSources, stageCopyChanges } from '../src/tools/stage-sources.js';

/** Application folders under the system paths that packages leave alone. */
const APPLICATION_PATHS = /^\/usr\/(local\/)?src\/[^/]+/;
/** Instructions an OS package RUN may jump over when their paths allow. */
const INERT = new Set(['LABEL', 'EXPOSE', 'WORKDIR', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'MAINTAINER']);

/**
 * What a copy brings that changes from build to build, so every step after it re-runs: 'sources' when a source
 * edit changes it (sources of the build context, or files of another stage that hold sources or are made from them:
 * stage-sources.ts), 'files' for named files of the build context, which change only when they are edited; null
 * for a copy that changes with neither (a URL, another stage's or image's files made without sources).
 */
function copyChanges(doc: Document, ins: Instruction, context: BuildContext | undefined): 'sources' | 'files' | null {
  const copy = doc.copyArgs(ins);
  if (!copy) return null;
  if (doc.flag(ins, 'from') !== undefined) return stageCopyChanges(doc, ins, context) ? 'sources' : null;
  if (!copy.sources.some((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s))) return null;
  return copiesSources(copy, context) ? 'sources' : 'files';
}

/**
 * Tools whose install of named packages reads no configuration from the working directory: npm ignores a
 * project's .npmrc in global mode; pip reads pip.conf from /etc, the user's home and the virtualenv; gem reads
 * ~/.gemrc. Yarn 1 and pnpm read .yarnrc / .npmrc from the working directory up, which a copy may bring.
 */
const CWD_FREE_TOOLS = new Set(['npm', 'pip', 'gem']);

/**
 * Every command of the RUN installs programs by name, reading no file of the build context or the image's
 * application folders: OS packages (isOsPackageRun) or global tool installs (`npm i -g turbo`, `pip install
 * flask`, with the effect model's GLOBAL writes); `rm` of caches, `set` and `true` may go along.
 */
function isInstallRun(doc: Document, run: Instruction): boolean {
  if (isOsPackageRun(doc, run)) return true;
  if (doc.hasHeredoc(run) || doc.flags(run).some((f) => f.getName().toLowerCase() === 'mount' && !/type=(cache|tmpfs|secret)/.test(f.getValue() ?? ''))) return false;
  const effects = runEffects(doc, run);
  const global = (s: { effect: Effect; command?: Command }) => !!s.effect.installsNamedPackages && !!s.command && CWD_FREE_TOOLS.has(toolOf(s.command)?.id ?? '');
  return !!effects && effects.steps.some(global) && effects.steps.every((s) => global(s) || (s.effect !== UNKNOWN && s.effect.writes !== 'any' && s.effect.reads !== 'any' && s.effect.reads.length === 0 && s.effect.writes.every((w) => OS_PACKAGE_EFFECTS.writes.some((o) => isWithin(w, o)))));
}

/** What a moved install RUN writes: system folders, and for a global tool install the home folders too. */
function installWrites(doc: Document, run: Instruction): readonly string[] {
  if (isOsPackageRun(doc, run)) return OS_PACKAGE_EFFECTS.writes;
  const effects = runEffects(doc, run)!;
  return [...new Set(effects.steps.flatMap((s) => (s.effect.writes === 'any' ? [] : s.effect.writes)))];
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

/** A COPY/ADD whose destination is an application folder, provably apart from what the install writes. */
function copiesIntoApplicationFolder(doc: Document, ins: Instruction, writes: readonly string[]): boolean {
  const target = copyTarget(doc, ins);
  if (target === null || target.startsWith(IMAGE_WORKDIR)) return false;
  const mayCollide = writes.some((w) => isWithin(target, w) || isWithin(w, target));
  return !mayCollide || (APPLICATION_PATHS.test(target) && !writes.some((w) => isWithin(w, target)));
}

/** The first step between that `ins` may depend on (or that may depend on it), with why; null when none. */
function blocker(doc: Document, ins: Instruction, between: Instruction[]): { ins: Instruction; why: string } | null {
  const kw = ins.getKeyword();
  const uses = mentionedNames(doc, ins);
  const writes = kw === 'RUN' ? installWrites(doc, ins) : [];
  for (const other of between) {
    const okw = other.getKeyword();
    const redefined = definedNames(other).find((n) => uses.has(n));
    if (redefined) return { ins: other, why: `sets ${redefined}, which it uses` };
    if (kw === 'RUN') {
      if (okw === 'COPY' || okw === 'ADD') {
        if (!copiesIntoApplicationFolder(doc, other, writes)) return { ins: other, why: 'may copy into folders that the install writes' };
        // A tool's variable naming a path the copy brings (`PIP_CONFIG_FILE=/app/pip.conf`) may be read by the install.
        const target = copyTarget(doc, other);
        const pointing = [...doc.variablesAt(ins)].find(([name, v]) => TOOL_ENVIRONMENT.test(name) && v !== null && v.split(':').some((p) => path.posix.isAbsolute(p) && (target === null || isWithin(p, target))));
        if (pointing) return { ins: other, why: `copies into ${target ?? 'a folder'}, where ${pointing[0]} points, which the install may read` };
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

/** The line starting at `offset` is blank. */
const blankAt = (doc: Document, offset: number): boolean => /^[ \t]*(\r?\n|$)/.test(doc.text.slice(offset, doc.text.indexOf('\n', offset) + 1 || undefined));
/** The line before the one starting at `offset` is blank. */
const blankBefore = (doc: Document, offset: number): boolean => offset > 0 && blankAt(doc, doc.lineStartOf(offset - 1));

/** Where an instruction's text starts, with the comment lines right above it (they describe it). */
function blockStart(doc: Document, ins: Instruction): number {
  let line = ins.getRange().start.line;
  while (line > 0 && /^[ \t]*#/.test(doc.text.slice(doc.lineStarts[line - 1], doc.lineStarts[line]))) line--;
  return doc.lineStarts[line]!;
}

/** ENV and ARG move only along with a moved RUN that uses them; LABEL and EXPOSE cost nothing where they are. */
const MOVABLE = new Set(['ENV', 'ARG', 'RUN']);

export const reorderForCache: BuiltinTransformModule = {
  id: 'reorder-for-cache',
  summary: 'move OS package and global tool installs (with the ENV and ARG they use) above the first source COPY',
  safety: 'safe',
  trigger: { instructions: ['COPY', 'ADD', 'RUN', 'ENV', 'ARG'], tools: ['apt', 'apk', 'yum', 'dnf', 'microdnf', 'zypper', 'npm', 'pip', 'gem', 'yarn', 'pnpm'] },
  apply: (doc, { context }) =>
    eachStage(doc, (stage, findings) => {
      const list = stage.instructions;
      const changes = new Map(list.map((ins) => [ins, copyChanges(doc, ins, context)] as const).filter(([, kind]) => kind !== null));
      const anchors = [...changes.keys()];
      if (!anchors.length) return;
      const at = (ins: Instruction) => list.indexOf(ins);
      // Each step that moves goes above the first such copy it can pass: the copy it is bound for.
      const boundFor = new Map<Instruction, Instruction>();
      for (let k = at(anchors[0]!) + 1; k < list.length; k++) {
        const ins = list[k]!;
        const above = anchors.filter((a) => at(a) < k);
        // A step that stays re-runs on a source edit only below a copy of sources: only then is its staying a miss.
        const nearest = above.at(-1)!;
        const rerunsOnSourceEdit = above.some((a) => changes.get(a) === 'sources');
        if (ins.getKeyword() === 'RUN' && doc.hasHeredoc(ins) && managesOsPackages(doc, ins)) {
          if (rerunsOnSourceEdit) findings.skip(`${doc.quote(ins)} stays below ${doc.quote(nearest)}: a RUN with a heredoc is not moved`, ins.getRange().start.line);
          continue;
        }
        if (!MOVABLE.has(ins.getKeyword()) || (ins.getKeyword() === 'RUN' && !isInstallRun(doc, ins))) continue;
        let stop: ReturnType<typeof blocker> = null;
        // A step bound for a copy below `anchor` still stands between it and this one.
        const target = above.find((anchor) => {
          const between = list.slice(at(anchor), k).filter((i) => !boundFor.has(i) || at(boundFor.get(i)!) > at(anchor));
          stop = blocker(doc, ins, between);
          return stop === null;
        });
        if (target) boundFor.set(ins, target);
        // An ENV or ARG only moves along with a RUN, which says so itself when it stays.
        else if (ins.getKeyword() === 'RUN' && rerunsOnSourceEdit) findings.skip(`${doc.quote(ins)} stays below ${doc.quote(nearest)}: ${doc.quote(stop!.ins)} ${stop!.why}`, ins.getRange().start.line);
      }
      // An ENV or ARG moves only for a moved RUN after it that uses what it sets (on its own it has no cache to save),
      // and only as far as the first of those RUNs goes.
      for (const [ins, target] of [...boundFor]) {
        if (ins.getKeyword() === 'RUN') continue;
        const users = [...boundFor].filter(([r, t]) => r.getKeyword() === 'RUN' && at(r) > at(ins) && at(t) < at(ins) && definedNames(ins).some((n) => mentionedNames(doc, r).has(n)));
        const topmost = users.map(([, t]) => t).sort((a, b) => at(a) - at(b))[0];
        if (topmost && at(topmost) >= at(target)) boundFor.set(ins, topmost);
        else boundFor.delete(ins);
      }
      for (const copy of anchors) {
        const moved = list.filter((ins) => boundFor.get(ins) === copy);
        if (!moved.length) continue;
        const insertAt = blockStart(doc, copy);
        const eol = doc.eolAt(copy.getRange().start.line);
        const edits: Edit[] = moved.map((ins) => ({ start: blockStart(doc, ins), end: doc.endOfLineAfter(ins), text: '' }));
        const text = edits.map((e) => doc.text.slice(e.start, e.end).replace(/(?<!\n)$/, eol)).join('');
        // A block set off by blank lines on both sides leaves one of them behind, not two in a row.
        for (const e of edits) if (blankBefore(doc, e.start) && (e.end >= doc.text.length || blankAt(doc, e.end))) e.start = doc.lineStartOf(e.start - 1);
        edits.unshift({ start: insertAt, end: insertAt, text });
        findings.change(`move ${moved.map((i) => doc.quote(i)).join(', ')} above ${doc.quote(copy)}`, edits, copy.getRange().start.line, moved.map((ins) => ({ kind: 'instruction', text: doc.instructionText(ins), moved: true })));
      }
    }),
};
