// dockmod explain: a simulation of BuildKit's layer cache for a change to the build context. A previous build of
// the same Dockerfile with the old context is assumed to be in the cache; the simulation says, per stage, which
// steps the next build takes from the cache and which it re-runs. Pure: a Document, a build context and the
// changed paths in, a report out.
//
// The rules, as BuildKit applies them (same Dockerfile, same build arguments, same base images):
// - A step re-runs when the step before it in its stage re-ran, or when its own inputs changed.
// - COPY/ADD inputs are the contents of their sources after .dockerignore, read as BuildKit reads them
//   (src/contexts/context-files.ts: `--exclude` below a copied folder, `--parents`); a remote ADD (URL, git) is assumed
//   unchanged. `COPY --link` does not depend on the step before it, so it stays
//   cached when its sources did not change (the steps after it still follow the stage).
// - `COPY --from=<stage>` and `RUN --mount=from=<stage>` read that stage's result: it counts as changed when the
//   stage re-ran (BuildKit compares the copied files' contents; a re-run is assumed to produce different files).
//   `RUN --mount=type=bind` without `from` reads the context like a COPY; cache, secret, ssh and tmpfs mounts
//   do not take part in the cache key.
// - RUN is keyed by its command text (and flags) and its parent: with the same Dockerfile only the parent counts.
// - ARG, ENV, LABEL, CMD and the like set configuration, never re-run, and carry the stage's state on.
// - `FROM <stage>` starts where that stage ended; `FROM <image>` starts cached.
// - Only the stages the last stage needs are built (BuildKit skips the others).
import path from 'node:path';
import picomatch from 'picomatch';
import type { Document, Instruction, Stage } from '../engine/document.js';
import { expand } from '../engine/document.js';
import { contextIgnoreMatcher } from '../contexts/dockerignore.js';
import { argValues } from '../tools/commands.js';
import { osPackageInstall } from '../tools/vocabulary/index.js';
import { matchInstall } from '../tools/installs.js';
import { isRemoteSource, landings, readContextCopy } from '../contexts/context-files.js';
import type { BuildContext } from '../engine/types.js';

export type StepStatus = 'cached' | 'reruns' | 'config' | 'unbuilt';

export interface ExplainStep {
  /** 1-based line of the instruction. */
  line: number;
  /** The instruction's first line, shortened. */
  instruction: string;
  status: StepStatus;
  /** Why the step re-runs. */
  reason?: string;
  /** Set for expensive steps: what makes them so ("dependencies (npm)", "OS packages (apt-get)"). */
  expensive?: string;
}

export interface ExplainStage {
  index: number;
  name: string | null;
  /** The FROM instruction, shortened. */
  from: string;
  line: number;
  /** False for stages the last stage does not need (BuildKit does not build them). */
  built: boolean;
  /** True when the stage's final state differs from the cached one. */
  changed: boolean;
  steps: ExplainStep[];
}

export interface CacheSimulation {
  changed: string[];
  stages: ExplainStage[];
}

/** Instructions that run something or write files (and so are cached or re-run); the rest only set configuration. */
const EXECUTED = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);


function normalizeSource(source: string): string {
  const p = path.posix.normalize(source.replace(/\\/g, '/')).replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '.' ? '' : p;
}

/** The changed paths a COPY source (a file, a folder, or a pattern) takes in. */
function pathsUnder(source: string, changed: string[]): string[] {
  const src = normalizeSource(source);
  if (src === '') return changed;
  if (!/[*?[\\]/.test(src)) return changed.filter((p) => p === src || p.startsWith(`${src}/`));
  const match = picomatch(src, { dot: true });
  // A pattern may name a folder: everything under a matching folder is copied.
  return changed.filter((p) => p.split('/').some((_, i, parts) => match(parts.slice(0, i + 1).join('/'))));
}

const described = (paths: string[]) => (paths.length === 1 ? paths[0]! : `${paths[0]} and ${paths.length - 1} more`);

interface StepInputs {
  /** The step's own inputs changed (its copied files, its mounted files, a stage it reads). */
  changed: boolean;
  reason?: string;
  /** `COPY --link`: its layer does not depend on the step before it. */
  independent?: boolean;
}

class Simulation {
  private readonly visible: string[];
  private readonly stageChanged = new Map<number, boolean>();

  constructor(private readonly doc: Document, context: BuildContext, private readonly changed: string[]) {
    const ignore = contextIgnoreMatcher(context);
    this.visible = changed.map(normalizeSource).filter((p) => p && !ignore.ignores(p));
  }

  run(): CacheSimulation {
    const stages = this.doc.stages();
    const built = this.neededStages();
    return {
      changed: this.changed,
      stages: stages.map((stage) => this.stage(stage, built.has(stage.index))),
    };
  }

  /** The last stage and every stage it needs, through FROM, COPY --from and RUN --mount=from. */
  private neededStages(): Set<number> {
    const stages = this.doc.stages();
    const needed = new Set<number>();
    const visit = (stage: Stage | undefined) => {
      if (!stage || needed.has(stage.index)) return;
      needed.add(stage.index);
      visit(this.doc.parentStage(stage) ?? undefined);
      for (const ins of stage.instructions) for (const ref of this.stageReferences(ins)) visit(this.stageNamed(ref, stage));
    };
    visit(stages[stages.length - 1]);
    return needed;
  }

  private stageReferences(ins: Instruction): string[] {
    const kw = ins.getKeyword();
    if (kw === 'COPY' || kw === 'ADD') {
      const from = this.doc.flag(ins, 'from');
      return from ? [from] : [];
    }
    if (kw === 'RUN') return this.mounts(ins).flatMap((m) => (m.get('from') ? [m.get('from')!] : []));
    return [];
  }

  /** A stage named (or numbered) by `ref` before `stage`; undefined for an image. */
  private stageNamed(ref: string, stage: Stage): Stage | undefined {
    const name = ref.toLowerCase();
    return this.doc.stages().find((s) => s.index < stage.index && (s.name === name || String(s.index) === name));
  }

  private mounts(ins: Instruction): Map<string, string>[] {
    return this.doc
      .flags(ins)
      .filter((f) => f.getName().toLowerCase() === 'mount')
      .map((f) => new Map((f.getValue() ?? '').split(',').map((kv) => [kv.split('=')[0]!.trim().toLowerCase(), kv.slice(kv.indexOf('=') + 1)] as [string, string])));
  }

  private stage(stage: Stage, built: boolean): ExplainStage {
    const parent = this.doc.parentStage(stage);
    let changed = parent ? (this.stageChanged.get(parent.index) ?? false) : false;
    let because = changed ? `builds on stage ${parent!.name ?? parent!.index}, which changed` : '';
    const steps: ExplainStep[] = [];
    for (const ins of stage.instructions) {
      const step: ExplainStep = { line: ins.getRange().start.line + 1, instruction: this.doc.excerpt(ins), status: 'config' };
      if (!built) step.status = 'unbuilt';
      else if (EXECUTED.has(ins.getKeyword())) {
        const inputs = this.inputs(ins, stage);
        const reruns = inputs.changed || (changed && !inputs.independent);
        step.status = reruns ? 'reruns' : 'cached';
        if (reruns) step.reason = inputs.changed ? inputs.reason : because;
      }
      const expensive = ins.getKeyword() === 'RUN' ? this.expensive(ins) : undefined;
      if (expensive) step.expensive = expensive;
      if (step.status === 'reruns' && !changed) {
        changed = true;
        because = `follows line ${step.line}, which re-runs`;
      }
      steps.push(step);
    }
    this.stageChanged.set(stage.index, changed);
    return { index: stage.index, name: stage.name, from: this.doc.excerpt(stage.from), line: stage.from.getRange().start.line + 1, built, changed, steps };
  }

  /** Whether the inputs of a COPY, ADD or RUN (other than the step before it) changed. */
  private inputs(ins: Instruction, stage: Stage): StepInputs {
    const kw = ins.getKeyword();
    if (kw === 'COPY' || kw === 'ADD') return this.copyInputs(ins, stage);
    if (kw === 'RUN') {
      for (const mount of this.mounts(ins)) {
        if ((mount.get('type') ?? 'bind') !== 'bind') continue;
        const from = mount.get('from');
        if (from) {
          const source = this.stageNamed(from, stage);
          if (source && this.stageChanged.get(source.index)) return { changed: true, reason: `mounts stage ${source.name ?? source.index}, which changed` };
          continue;
        }
        const seen = this.sees([mount.get('source') ?? mount.get('src') ?? '.'], ins);
        if (seen) return { changed: true, reason: `mounts ${seen}` };
      }
    }
    return { changed: false };
  }

  private copyInputs(ins: Instruction, stage: Stage): StepInputs {
    const independent = this.doc.flags(ins).some((f) => f.getName().toLowerCase() === 'link' && f.getValue() !== 'false');
    const args = this.doc.copyArgs(ins);
    if (!args) return { changed: false, independent };
    const from = this.doc.flag(ins, 'from');
    if (from) {
      const source = this.stageNamed(from, stage);
      const changed = source ? (this.stageChanged.get(source.index) ?? false) : false;
      return { changed, independent, reason: changed ? `copies from stage ${source!.name ?? source!.index}, which changed` : undefined };
    }
    // The paths the copy brings as BuildKit reads it (--exclude, --parents); a path it may bring counts.
    const brought = readContextCopy(this.doc, ins);
    if (brought && !('unknown' in brought)) {
      const hit = this.visible.filter((p) => landings(brought, p).length > 0);
      return { changed: hit.length > 0, independent, reason: hit.length ? `copies ${described(hit)}` : undefined };
    }
    const seen = this.sees(args.sources.filter((s) => !(ins.getKeyword() === 'ADD' && isRemoteSource(s))), ins);
    return { changed: seen !== null, independent, reason: seen ? `copies ${seen}` : undefined };
  }

  /** The first changed path the sources take in (after .dockerignore), described; or null. */
  private sees(sources: string[], ins: Instruction): string | null {
    const vars = this.doc.variablesAt(ins);
    for (const raw of sources) {
      const source = expand(raw, vars);
      if (source === null) {
        if (this.visible.length) return `${this.visible[0]} (its source ${raw} is not known, so it may)`;
        continue;
      }
      const hit = pathsUnder(source, this.visible);
      if (hit.length) return described(hit);
    }
    return null;
  }

  /** What makes a RUN expensive: a dependency install or an OS package install; undefined for other RUNs. */
  private expensive(ins: Instruction): string | undefined {
    const exec = this.doc.execForm(ins);
    const commands = exec ? [exec] : (this.doc.runScript(ins)?.commands() ?? []).map((c) => [c.name, ...argValues(c)]);
    const dependencies = new Set<string>();
    const packages = new Set<string>();
    for (const argv of commands) {
      const install = matchInstall(argv);
      if (install) dependencies.add(install.installer.tool);
      const os = osPackageInstall(argv);
      if (os) packages.add(os);
    }
    const kinds = [...(dependencies.size ? [`dependencies (${[...dependencies].join(', ')})`] : []), ...(packages.size ? [`OS packages (${[...packages].join(', ')})`] : [])];
    return kinds.length ? kinds.join(', ') : undefined;
  }
}

/** Which steps of `doc` a build re-runs after `changed` (context-relative paths) changed, and which it takes from the cache. */
export function simulateCache(doc: Document, context: BuildContext, changed: string[]): CacheSimulation {
  return new Simulation(doc, context, changed).run();
}

export interface SimulationSummary {
  /** Steps that run or copy something, in the stages that are built. */
  steps: number;
  reruns: number;
  expensiveReruns: ExplainStep[];
}

export function summarize(sim: CacheSimulation): SimulationSummary {
  const steps = sim.stages.flatMap((s) => s.steps).filter((s) => s.status === 'cached' || s.status === 'reruns');
  const reruns = steps.filter((s) => s.status === 'reruns');
  return { steps: steps.length, reruns: reruns.length, expensiveReruns: reruns.filter((s) => s.expensive) };
}

export interface Explanation {
  /** The Dockerfile, relative to the working folder. */
  file: string;
  changed: string[];
  /** The Dockerfile as it is. */
  before: CacheSimulation;
  /** dockmod's rewrite of it. */
  after: CacheSimulation;
  /** dockmod changes nothing: `after` is `before`. */
  unchanged: boolean;
}

const WIDTH = 100;
const CELL = (WIDTH - 3) >> 1;
const STATUS_WORD: Record<StepStatus, string> = { cached: 'cached', reruns: 're-run', config: '', unbuilt: 'n/a' };

function cell(step: ExplainStep | undefined, lineWidth: number, width = CELL): string {
  if (!step) return ''.padEnd(width);
  const head = `${String(step.line).padStart(lineWidth)} ${STATUS_WORD[step.status].padEnd(6)} ${step.expensive ? '$' : ' '} `;
  const room = width - head.length;
  const text = step.instruction.length > room ? `${step.instruction.slice(0, room - 1)}…` : step.instruction;
  return (head + text).padEnd(width);
}

/** Pairs the steps of two versions of a stage row by row, equal instructions side by side. */
function pairSteps(before: ExplainStep[], after: ExplainStep[]): [ExplainStep | undefined, ExplainStep | undefined][] {
  const rows: [ExplainStep | undefined, ExplainStep | undefined][] = [];
  let i = 0;
  let j = 0;
  // Longest common subsequence of the instruction texts: dockmod inserts and moves a few lines at most.
  const lcs: number[][] = Array.from({ length: before.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  for (let a = before.length - 1; a >= 0; a--) {
    for (let b = after.length - 1; b >= 0; b--) {
      lcs[a]![b] = before[a]!.instruction === after[b]!.instruction ? lcs[a + 1]![b + 1]! + 1 : Math.max(lcs[a + 1]![b]!, lcs[a]![b + 1]!);
    }
  }
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i]!.instruction === after[j]!.instruction) rows.push([before[i++], after[j++]]);
    // On a tie the old line comes first, as in a diff; it keeps moved steps (the install) side by side.
    else if (j < after.length && (i === before.length || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) rows.push([undefined, after[j++]]);
    else rows.push([before[i++], undefined]);
  }
  // A run of old-only rows followed by new-only rows is a rewrite: pair them on shared rows, from the end (a merge
  // folds earlier lines into the last one).
  const paired: typeof rows = [];
  for (let k = 0; k < rows.length; ) {
    let removed = 0;
    while (rows[k + removed]?.[1] === undefined && k + removed < rows.length) removed++;
    let added = 0;
    while (rows[k + removed + added]?.[0] === undefined && k + removed + added < rows.length) added++;
    if (!removed && !added) {
      paired.push(rows[k++]!);
      continue;
    }
    const olds = rows.slice(k, k + removed).map((r) => r[0]);
    const news = rows.slice(k + removed, k + removed + added).map((r) => r[1]);
    const n = Math.max(removed, added);
    for (let m = 0; m < n; m++) paired.push([olds[m - (n - removed)], news[m - (n - added)]]);
    k += removed + added;
  }
  return paired;
}

function summaryLine(label: string, sim: CacheSimulation): string {
  const s = summarize(sim);
  const byKind = new Map<string, number[]>();
  for (const e of s.expensiveReruns) byKind.set(e.expensive!, [...(byKind.get(e.expensive!) ?? []), e.line]);
  const expensive = s.expensiveReruns.length
    ? `${s.expensiveReruns.length} expensive: ${[...byKind].map(([kind, lines]) => `line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}, ${kind}`).join('; ')}`
    : 'none of them expensive';
  const first = sim.stages.flatMap((st) => st.steps).find((st) => st.status === 'reruns');
  const why = first ? `\n${' '.repeat(8)}first re-run: line ${first.line}, ${first.reason}` : '';
  return `${`${label}: `.padEnd(8)}${s.reruns} of ${s.steps} steps re-run${s.reruns ? `, ${expensive}` : ''}${why}`;
}

/** The explanation as text for a terminal of 100 columns: per stage, before and after side by side. */
export function renderExplanation(x: Explanation): string {
  const out: string[] = [];
  out.push(`build cache of ${x.file}`, `after a change to ${x.changed.join(', ')}`);
  out.push('(the cache holds a build with the old context; $ marks dependency and OS package installs)');
  const count = Math.max(x.before.stages.length, x.after.stages.length);
  const lineWidth = String(Math.max(...[x.before, x.after].flatMap((sim) => sim.stages.flatMap((st) => st.steps.map((step) => step.line))), 1)).length;
  for (let k = 0; k < count; k++) {
    const b = x.before.stages[k];
    const a = x.unchanged ? undefined : x.after.stages[k];
    const stage = (b ?? a)!;
    out.push('', `stage ${k + 1}/${count}: ${stage.from}${stage.built ? '' : '  (not needed by the last stage: not built)'}`);
    if (x.unchanged) {
      out.push(`${' '.repeat(lineWidth + 10)}as it is (dockmod changes nothing)`);
      for (const step of b?.steps ?? []) out.push(cell(step, lineWidth, WIDTH).trimEnd());
      continue;
    }
    const indent = ' '.repeat(lineWidth + 10);
    out.push(`${`${indent}before`.padEnd(CELL)} │ ${indent}after dockmod`);
    for (const [l, r] of pairSteps(b?.steps ?? [], a?.steps ?? [])) out.push(`${cell(l, lineWidth)} │ ${cell(r, lineWidth)}`.trimEnd());
  }
  out.push('', summaryLine(x.unchanged ? 'as it is' : 'before', x.before));
  if (!x.unchanged) out.push(summaryLine('after', x.after));
  return `${out.flatMap((l) => l.split('\n')).map(fit).join('\n')}\n`;
}

const fit = (line: string) => (line.length > WIDTH ? `${line.slice(0, WIDTH - 1)}…` : line);
