// split-copy-install: `COPY . .` before `RUN npm ci` makes every source edit re-run the install, because the
// COPY's cache key is the content of the whole context. Copying only the manifests first, installing, then
// copying the sources keeps the install cached until a manifest changes.
// Refuses (with the reason) when the build context is unknown, a manifest is missing, the install may need the
// sources (lifecycle scripts, local-path dependencies, `pip install .`), or anything between the copy and the
// install might read or write the copied files.
import path from 'node:path';
import type { Change, Edit, FileWrite, Skip, Transform, BuildContext } from '../src/types.js';
import { IMAGE_WORKDIR, expand, type CopyArgs, type Document, type Instruction } from '../src/document.js';
import type { ShellNode, ShellScript } from '../src/shell.js';
import { argValues } from '../src/commands.js';
import { matchInstall, type InstallMatch } from '../src/installs.js';
import { commandLeavesSourcesAlone, isWithin, stepLeavesSourcesAlone } from '../src/sources.js';
import { dockerignoreMatcher } from '../src/dockerignore.js';

/** Instructions that neither read nor write files, so the source copy may move past them. */
const NEUTRAL = new Set(['ENV', 'ARG', 'LABEL', 'EXPOSE', 'MAINTAINER', 'USER', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'SHELL', 'WORKDIR']);

const copiesWholeContext = (copy: CopyArgs): boolean => copy.sources.length === 1 && /^\.\/?$/.test(copy.sources[0]!);

/** A dependency install found in a RUN, with what is needed to split the RUN after it. */
interface FoundInstall {
  run: Instruction;
  match: InstallMatch;
  /** The install's working directory (absolute, or under IMAGE_WORKDIR), or null when it cannot be known. */
  cwd: string | null;
  /** For a shell RUN that goes on after the install: the split point and what follows. */
  split?: { script: ShellScript; lastKept: ShellNode; firstMoved: ShellNode; cdPrefix: string };
  /** Why the RUN cannot be split as needed. */
  refuse?: string;
}

/** The first dependency install of a RUN, or null when the RUN installs nothing from the context. */
function findInstall(doc: Document, run: Instruction, dest: string): FoundInstall | null {
  const workdir = doc.workdirAt(run);
  const exec = doc.execForm(run);
  if (exec) {
    const match = matchInstall(exec);
    return match && { run, match, cwd: workdir };
  }
  const script = doc.runScript(run);
  if (!script || script.hasError) return null;
  const commands = script.commands();
  const index = commands.findIndex((c) => matchInstall([c.name, ...argValues(c)]));
  if (index < 0) return null;
  const cmd = commands[index]!;
  const match = matchInstall([cmd.name, ...argValues(cmd)])!;
  const steps = script.andChain();
  const at = steps?.findIndex((s) => s.startIndex <= cmd.start && cmd.end <= s.endIndex) ?? -1;
  if (!steps || at < 0 || steps[at]!.type !== 'command') {
    return { run, match, cwd: null, refuse: 'the install is inside a script that is not a plain `a && b` chain' };
  }
  let cwd = workdir;
  const cds: string[] = [];
  for (const step of steps.slice(0, at)) {
    if (!stepLeavesSourcesAlone(script, step, dest)) {
      return { run, match, cwd, refuse: `\`${step.text}\` runs before the install in the same RUN and may use the sources` };
    }
    const first = commands.find((c) => c.node.startIndex === step.startIndex);
    if (first?.name === 'cd') {
      cwd = cwd === null ? null : path.posix.resolve(cwd, first.args[0]!.value!);
      cds.push(step.text);
    }
  }
  // Clean-up right after the install (cache cleaning, rm of caches) stays with it.
  let last = at;
  while (last + 1 < steps.length && stepLeavesSourcesAlone(script, steps[last + 1]!, dest)) last++;
  const found: FoundInstall = { run, match, cwd };
  if (last + 1 < steps.length) {
    found.split = { script, lastKept: steps[last]!, firstMoved: steps[last + 1]!, cdPrefix: cds.map((c) => `${c} && `).join('') };
  }
  return found;
}

/** A RUN between the copy and the install that provably leaves the copied files alone. */
function runLeavesSourcesAlone(doc: Document, run: Instruction, dest: string): boolean {
  const script = doc.runScript(run);
  if (!script || script.hasError) return false;
  const steps = script.andChain();
  if (steps) return steps.every((s) => stepLeavesSourcesAlone(script, s, dest));
  return script.commands().every((c) => commandLeavesSourcesAlone(c, dest)) && !/[<>|]/.test(script.text.replace(/&&|\|\|/g, ''));
}

/** Maps a path as the install sees it to a path in the build context, or null when it is outside the sources. */
function contextPathOf(target: string, dest: string): string | null {
  return isWithin(target, dest) ? path.posix.relative(dest, target) : null;
}

/** A COPY instruction in the style of `ins` (keyword case, flags, JSON or plain form). */
function copyInstruction(ins: Instruction, copy: CopyArgs, sources: string[], dest: string): string {
  const keyword = /^[a-z]/.test(ins.getInstruction()) ? 'copy' : 'COPY';
  const flags = copy.flagsText ? `${copy.flagsText} ` : '';
  const args = [...sources, dest];
  const json = copy.json || args.some((a) => /\s/.test(a));
  return `${keyword} ${flags}${json ? `[${args.map((a) => JSON.stringify(a)).join(', ')}]` : args.join(' ')}`;
}

/** The manifest COPY lines: one per folder, so that every file lands at its own relative path. */
function manifestCopies(doc: Document, ins: Instruction, copy: CopyArgs, files: string[]): string {
  const byFolder = new Map<string, string[]>();
  for (const f of files) {
    const dir = path.posix.dirname(f);
    byFolder.set(dir, [...(byFolder.get(dir) ?? []), f]);
  }
  const base = copy.dest.endsWith('/') ? copy.dest : `${copy.dest}/`;
  return [...byFolder]
    .map(([dir, group]) => copyInstruction(ins, copy, group, dir === '.' ? base : `${base}${dir}/`))
    .join(doc.eolAt(ins.getRange().start.line));
}

/** The ignore file with the folders added that the copied sources must not bring in, or null if it has them. */
function ignoreFolders(context: BuildContext, folders: string[]): FileWrite | null {
  const name = context.ignoreFileName;
  const text = context.readFile(name) ?? '';
  const matcher = dockerignoreMatcher(text);
  const missing = [...new Set(folders)].filter((f) => !matcher.ignores(f));
  if (!missing.length) return null;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const sep = text === '' || text.endsWith('\n') ? '' : eol;
  return { path: name, text: `${text}${sep}${missing.map((f) => `${f}${eol}`).join('')}` };
}

/** A RUN before `index` in the stage already fetches this ecosystem's dependencies (an earlier prefetch). */
function alreadyFetched(doc: Document, list: Instruction[], index: number, ecosystem: string): boolean {
  return list.slice(0, index).some((ins) => {
    if (ins.getKeyword() !== 'RUN') return false;
    const exec = doc.execForm(ins);
    if (exec) return matchInstall(exec)?.installer.ecosystem === ecosystem;
    const script = doc.runScript(ins);
    return !!script && !script.hasError && script.commands().some((c) => matchInstall([c.name, ...argValues(c)])?.installer.ecosystem === ecosystem);
  });
}

export const splitCopyInstall: Transform = {
  id: 'split-copy-install',
  summary: 'copy dependency manifests and install before copying the sources, so source edits keep the install cached',
  safety: 'safe',
  apply(doc, { context }) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const stage of doc.stages()) {
      const list = stage.instructions;
      for (let i = 0; i < list.length; i++) {
        const ins = list[i]!;
        const copy = doc.copyArgs(ins);
        if (!copy || doc.flag(ins, 'from') !== undefined || !copiesWholeContext(copy)) continue;
        const line = ins.getRange().start.line;
        const skip = (reason: string) => skips.push({ line, reason });
        const workdir = doc.workdirAt(ins);
        const destValue = expand(copy.dest, doc.variablesAt(ins));
        const dest = workdir === null || destValue === null ? null : path.posix.resolve(workdir, destValue);
        let found: FoundInstall | null = null;
        let blocker: string | null = null;
        for (const next of list.slice(i + 1)) {
          if (next.getKeyword() === 'RUN') found = findInstall(doc, next, dest ?? IMAGE_WORKDIR);
          if (found) break;
          const kw = next.getKeyword();
          const neutral = NEUTRAL.has(kw) || (kw === 'RUN' && dest !== null && runLeavesSourcesAlone(doc, next, dest));
          if (!neutral && !blocker) blocker = `${kw} on line ${next.getRange().start.line + 1} comes between the copy and the install and may use the copied files`;
        }
        if (!found) continue;
        const what = `\`${found.match.argv.join(' ')}\``;
        if (blocker) { skip(`${what}: ${blocker}`); continue; }
        if (found.refuse) { skip(`${what}: ${found.refuse}`); continue; }
        if (!context) { skip(`${what}: the build context is unknown, so the manifests cannot be listed`); continue; }
        if (dest === null) { skip(`${what}: the copy's destination depends on a variable that cannot be resolved`); continue; }
        if (found.cwd === null) { skip(`${what}: the install's working directory cannot be resolved`); continue; }
        const dir = contextPathOf(found.cwd, dest);
        if (dir === null) { skip(`${what}: the install runs in ${found.cwd}, outside the copied sources at ${dest}`); continue; }
        const manifests = found.match.installer.manifests(found.match.argv, dir, context);
        if ('refuse' in manifests) { skip(`${what}: ${manifests.refuse}`); continue; }
        const ignore = dockerignoreMatcher(context.readFile(context.ignoreFileName) ?? '');
        const excluded = manifests.files.find((f) => ignore.ignores(f) && !manifests.optional.includes(f));
        if (excluded) { skip(`${what}: ${excluded} is excluded by ${context.ignoreFileName}`); continue; }
        const files = manifests.files.filter((f) => !ignore.ignores(f));

        const eol = doc.eolAt(line);
        const copyStart = doc.offsetAt(ins.getRange().start);
        const copyEnd = doc.offsetAt(ins.getRange().end);
        // A source copy moved past a WORKDIR change keeps its destination by naming it in full.
        const movedPastWorkdir = doc.workdirAt(found.run) !== workdir && !path.posix.isAbsolute(destValue!);
        if (movedPastWorkdir && dest.startsWith(IMAGE_WORKDIR)) { skip(`${what}: WORKDIR changes between the copy and the install, and the copy's destination is relative to the base image's WORKDIR`); continue; }
        const copyText = movedPastWorkdir ? copyInstruction(ins, copy, copy.sources, `${dest}/`) : doc.text.slice(copyStart, copyEnd);
        const run = found.run;
        const runFlags = doc.flags(run).map((f) => doc.slice(f.getRange())).join(' ');
        const runKeyword = `${run.getInstruction()} ${runFlags ? `${runFlags} ` : ''}`;
        const prefetch = found.match.installer.prefetch?.(found.match.argv);
        const edits: Edit[] = [];
        if (prefetch) {
          // The build stays after the source copy; a fetch from the manifests alone goes before it.
          if (alreadyFetched(doc, list, i, found.match.installer.ecosystem)) continue;
          const cd = dir ? `cd ${dir} && ` : '';
          const runStart = doc.lineStartOf(doc.offsetAt(run.getRange().start));
          edits.push({ start: doc.lineStartOf(copyStart), end: doc.endOfLineAfter(ins), text: '' });
          edits.push({ start: runStart, end: runStart, text: `${manifestCopies(doc, ins, copy, files)}${eol}${runKeyword}${cd}${prefetch}${eol}${copyText}${eol}` });
        } else if (found.split) {
          edits.push({ start: copyStart, end: copyEnd, text: manifestCopies(doc, ins, copy, files) });
          const { script, lastKept, firstMoved, cdPrefix } = found.split;
          const gapStart = script.toDoc(lastKept.endIndex);
          const gapEnd = script.toDoc(firstMoved.startIndex);
          const comments = doc.text.slice(gapStart, gapEnd).split(/\r?\n/).filter((l) => /^\s*#/.test(l)).map((l) => `${l.trim()}${eol}`).join('');
          edits.push({ start: gapStart, end: gapEnd, text: `${eol}${copyText}${eol}${comments}${runKeyword}${cdPrefix}` });
        } else {
          edits.push({ start: copyStart, end: copyEnd, text: manifestCopies(doc, ins, copy, files) });
          const end = doc.endOfLineAfter(run);
          const endsWithNewline = end > 0 && doc.text[end - 1] === '\n';
          edits.push({ start: end, end, text: endsWithNewline ? `${copyText}${eol}` : `${eol}${copyText}` });
        }
        // Only a moved source copy lands on top of the install's output (a prefetch is followed by the original).
        const write = prefetch || !manifests.shadowed?.length ? null : ignoreFolders(context, manifests.shadowed);
        const how = prefetch ? `fetch dependencies with \`${prefetch}\`` : `run ${what}`;
        const message = `copy ${files.join(', ')} and ${how} before copying the sources`;
        changes.push({ message, line, edits, ...(write ? { files: [write] } : {}) });
        // One change per stage and pass: the engine re-parses and runs again for any later install.
        break;
      }
    }
    return { changes, skips };
  },
};
