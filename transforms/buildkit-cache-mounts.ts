// buildkit-cache-mounts: the other way to keep download caches out of the image. Instead of `--no-cache-dir` and
// cache cleaning (which throw the downloads away), `RUN --mount=type=cache,target=<cache>` keeps each tool's cache
// in BuildKit, outside the layers, and reuses it on the next build even when the layer itself must re-run. Covers
// apt, pip, npm, yarn, pnpm, Go, Maven, Gradle, Bundler and Composer (targets as in Docker's documentation), and
// adds `# syntax=docker/dockerfile:1` when the Dockerfile names no frontend.
// Unsafe: needs BuildKit, and a build without the cache (a fresh CI runner) downloads everything again.
// Never both profiles on one RUN: a tool whose cache the RUN already removes or disables (`--no-cache-dir`,
// `npm cache clean`, `rm -rf /var/lib/apt/lists/*`) is left as it is. This transform runs before the cleaning ones,
// which leave alone a RUN whose mount holds their tool's cache.
// Refuses: apt when the RUN does not run `apt-get update` itself or a later RUN needs its package lists; Go, Maven
// and Gradle, whose cache holds the dependencies later steps use, unless every RUN of the stage that uses the tool
// gets the mount and no other stage reads them; a RUN after a `USER` that is not root (the targets are root's).
// No second mount where one serves the tool's cache folder (pip's and npm's worked out as they do). apt only on a
// base known to be Debian or Ubuntu, with Docker's recipe before it: their docker-clean would keep the mount empty.
import type { BuiltinTransformModule, Change, Edit, Skip } from '../src/engine/types.js';
import type { Document, Instruction, Stage } from '../src/engine/document.js';
import type { ShellScript } from '../src/engine/shell.js';
import { argValues } from '../src/tools/commands.js';
import { pipCacheDirOption, pipNoCacheDirGiven } from '../src/tools/vocabulary/pip.js';
import { aptFetchNeedsEarlierLists, cleansAptLists } from '../src/tools/vocabulary/apt.js';
import { TOOL_CACHES, type ToolId } from '../src/tools/vocabulary/index.js';
import { cacheMountHolds, cachingTool, cleansNodeCache, descendantStages, laterRunNeedsAptLists, toolCacheFolders, userAt } from '../src/tools/packages.js';
import { addRunFlags } from '../src/engine/run-edits.js';

const SYNTAX = '# syntax=docker/dockerfile:1';

/** The RUN already keeps the tool's cache out of the image the other way. */
function otherProfile(doc: Document, run: Instruction, script: ShellScript, tool: ToolId): string | null {
  const commands = script.commands();
  switch (tool) {
    case 'pip':
      if (doc.variablesAt(run).has('PIP_NO_CACHE_DIR') || script.exportedVariables().has('PIP_NO_CACHE_DIR')) return 'PIP_NO_CACHE_DIR is set';
      if (commands.some((c) => pipNoCacheDirGiven(argValues(c)) || c.assignments.has('PIP_NO_CACHE_DIR'))) return 'pip runs with --no-cache-dir';
      return commands.some((c) => cachingTool(c) === 'pip' && pipCacheDirOption(argValues(c)) !== undefined) ? 'pip is given its own --cache-dir, which may be meant to stay in the image' : null;
    case 'npm':
    case 'yarn':
      return commands.some(cleansNodeCache) ? 'the RUN cleans the package cache' : null;
    case 'apt':
      return cleansAptLists(script) ? 'the RUN removes the package lists' : null;
    default:
      return null;
  }
}

/** Docker's recipe for apt cache mounts: Debian's and Ubuntu's images delete downloaded packages (docker-clean), so the mount would stay empty. */
const KEEP_APT_DOWNLOADS = `rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache`;
const DEBIAN_CODENAMES = /\b(buster|bullseye|bookworm|trixie|forky|sid|bionic|focal|jammy|noble|oracular|plucky|questing)\b/;

/** The stages a RUN's stage builds on, from the first, and its own. */
function stageChain(doc: Document, run: Instruction): Stage[] {
  const chain: Stage[] = [];
  for (let s = doc.stageOf(run) ?? null, d = 0; s && d < 100; s = doc.parentStage(s), d++) chain.unshift(s);
  return chain;
}

/** The RUN's base image is Debian or Ubuntu: named so (`debian:12`, `docker.io/library/ubuntu`), or tagged with a release's codename. */
function debianBase(doc: Document, run: Instruction): boolean {
  const image = stageChain(doc, run)[0]?.from.getImage()?.toLowerCase() ?? '';
  if (image.includes('$')) return false;
  const [name, tag = ''] = image.split('@')[0]!.split(/:(?=[^/]*$)/);
  return /(^|\/)(debian|ubuntu)$/.test(name!) || DEBIAN_CODENAMES.test(tag);
}

/**
 * The RUN is the first to get an apt cache mount in its stages (`prepared` holds the stages that already got the
 * recipe) and nothing before it mentions docker-clean, so the recipe's RUN goes before it.
 */
function needsDockerCleanRemoved(doc: Document, run: Instruction, prepared: Set<Stage>): boolean {
  const chain = stageChain(doc, run);
  if (chain.some((s) => prepared.has(s))) return false;
  prepared.add(chain[chain.length - 1]!);
  const before = chain.flatMap((s) => s.instructions);
  return !before.slice(0, before.indexOf(run)).some((i) => doc.argumentsText(i).includes('docker-clean'));
}

/** Tools a RUN fills a cache for, read from its commands. */
function toolsOf(doc: Document, run: Instruction): ToolId[] {
  const script = doc.runScript(run);
  if (!script || script.hasError) return [];
  return [...new Set(script.commands().map(cachingTool).filter((t) => t !== null))];
}

/** A COPY/ADD that writes into one of the cache folders. */
function intoCache(doc: Document, ins: Instruction, targets: string[]): boolean {
  const copy = doc.copyArgs(ins);
  const dest = copy?.dest.replace(/\/$/, '');
  return !!dest && targets.some((t) => t.startsWith(dest) || dest.startsWith(t));
}

/** Why the tool's cache cannot be mounted on these RUNs of the stage, or null. */
function sharedCacheRefusal(doc: Document, runs: Instruction[], tool: ToolId): string | null {
  const stage = doc.stageOf(runs[0]!)!;
  const cache = TOOL_CACHES[tool]!;
  const uses = (ins: Instruction) => ins.getKeyword() === 'RUN' && (toolsOf(doc, ins).includes(tool) || (doc.runScript(ins)?.hasError ?? true) && new RegExp(`\\b(${tool}|mvn|gradlew?)\\b`).test(doc.argumentsText(ins)));
  const other = descendantStages(doc, stage).flatMap((s) => s.instructions).find(uses);
  if (other) return `${doc.quote(other)} in a stage built on this one uses the same ${tool} dependencies`;
  const unreadable = stage.instructions.find((i) => uses(i) && !runs.includes(i));
  if (unreadable) return `${doc.quote(unreadable)} uses ${tool} too but cannot take the mount`;
  for (let parent = doc.parentStage(stage), d = 0; parent && d < 100; parent = doc.parentStage(parent), d++) {
    const filled = parent.instructions.find(uses) ?? parent.instructions.find((i) => intoCache(doc, i, cache.targets));
    if (filled) return `${doc.quote(filled)} in the stage this one builds on leaves ${tool} dependencies there, which a mount would hide`;
  }
  const copied = stage.instructions.find((i) => intoCache(doc, i, cache.targets));
  if (copied) return `${doc.quote(copied)} puts files in the ${tool} cache folder, which a mount would hide`;
  const names = new Set([stage.name, String(stage.index)]);
  for (const copy of doc.instructions()) {
    const from = doc.flag(copy, 'from')?.toLowerCase();
    if (!from || !names.has(from)) continue;
    if (doc.copyArgs(copy)?.sources.some((s) => cache.targets.some((t) => s.startsWith(t) || t.startsWith(s.replace(/\/$/, ''))))) return `${doc.quote(copy)} copies from the ${tool} cache`;
  }
  return null;
}

export const buildkitCacheMounts: BuiltinTransformModule = {
  id: 'buildkit-cache-mounts',
  summary: 'keep package caches in BuildKit cache mounts instead of the image (unsafe: needs BuildKit)',
  safety: 'unsafe',
  imageDifferences: { paths: Object.values(TOOL_CACHES).flatMap((c) => c.targets.map((t) => `${t}/**`)) },
  trigger: { instructions: ['RUN'], tools: ['apt', 'pip', 'npm', 'yarn', 'pnpm', 'go', 'maven', 'gradle', 'bundler', 'composer'] },
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    /** Mount flags per RUN, gathered over all tools first so a RUN gets one edit. */
    const flags = new Map<Instruction, string[]>();
    const shared = new Map<string, Instruction[]>();
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN') continue;
      const script = doc.runScript(run);
      if (!script || script.hasError) continue;
      const line = run.getRange().start.line;
      for (const tool of toolsOf(doc, run)) {
        const cache = TOOL_CACHES[tool]!;
        if (cacheMountHolds(doc, run, tool)) continue;
        const user = tool === 'apt' ? null : userAt(doc, run);
        const needs = tool === 'apt' ? laterRunNeedsAptLists(doc, run) : null;
        const why =
          otherProfile(doc, run, script, tool) ??
          (user ? `the RUN runs as USER ${user}, whose cache is not under /root` : null) ??
          (tool === 'apt' && aptFetchNeedsEarlierLists(script) ? 'the RUN installs with apt without `apt-get update`, which an empty cache mount would need' : null) ??
          (needs ? `${doc.quote(needs)} needs the package lists this RUN leaves` : null);
        if (why) {
          skips.push({ line, reason: `no ${tool} cache mount: ${why}` });
          continue;
        }
        // pip and npm keep their cache where options and the environment say: mount that folder, once.
        const folders = toolCacheFolders(doc, run, tool);
        const unknown = !folders ? `${tool}'s cache folder cannot be known (a dynamic or exported variable, or another user's home)` : null;
        const notDebian = tool === 'apt' && !debianBase(doc, run) ? `the base image is not known to be Debian or Ubuntu, whose /etc/apt/apt.conf.d/docker-clean must go for the mount to fill` : null;
        if (unknown ?? notDebian) {
          skips.push({ line, reason: `no ${tool} cache mount: ${unknown ?? notDebian}` });
          continue;
        }
        const mounts = folders!.map((t) => `--mount=type=cache,target=${t}${cache.options ? `,${cache.options}` : ''}`);
        if (cache.sharedWithLaterRuns) {
          const key = `${doc.stageOf(run)!.index}:${tool}`;
          shared.set(key, [...(shared.get(key) ?? []), run]);
        }
        flags.set(run, [...(flags.get(run) ?? []), ...mounts]);
      }
    }
    for (const [key, runs] of shared) {
      const tool = key.slice(key.indexOf(':') + 1) as ToolId;
      const why = sharedCacheRefusal(doc, runs, tool);
      if (!why) continue;
      for (const run of runs) {
        const mounts = TOOL_CACHES[tool]!.targets.map((t) => `--mount=type=cache,target=${t}`);
        flags.set(run, flags.get(run)!.filter((f) => !mounts.includes(f)));
        skips.push({ line: run.getRange().start.line, reason: `no ${tool} cache mount: ${why}` });
      }
    }
    const prepared = new Set<Stage>();
    for (const [run, mounts] of flags) {
      if (!mounts.length) continue;
      const edits: Edit[] = [addRunFlags(doc, run, mounts)];
      let message = `keep the cache of ${doc.quote(run)} in a BuildKit cache mount`;
      if (mounts.some((m) => m.includes('target=/var/cache/apt')) && needsDockerCleanRemoved(doc, run, prepared)) {
        const lineStart = doc.lineStartOf(doc.offsetAt(run.getRange().start));
        edits.push({ start: lineStart, end: lineStart, text: `${doc.indentAt(lineStart)}RUN ${KEEP_APT_DOWNLOADS}${doc.eolAt(run.getRange().start.line)}` });
        message += `, after a RUN that removes /etc/apt/apt.conf.d/docker-clean (the base image's rule that deletes downloaded packages after every install) and tells apt to keep them, as Docker's cache mount recipe does`;
      }
      changes.push({ message, line: run.getRange().start.line, edits });
    }
    if (changes.length && !hasSyntaxDirective(doc)) {
      changes[0]!.edits.push({ start: 0, end: 0, text: `${SYNTAX}${doc.eolAt(0)}` });
    }
    return { changes, skips };
  },
};

/** A `# syntax=` parser directive at the top of the file. */
function hasSyntaxDirective(doc: Document): boolean {
  for (const line of doc.text.split('\n')) {
    if (!/^\s*#\s*[A-Za-z]+\s*=/.test(line)) return false;
    if (/^\s*#\s*syntax\s*=/i.test(line)) return true;
  }
  return false;
}
