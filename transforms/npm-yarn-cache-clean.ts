// npm-yarn-cache-clean: npm and yarn keep every downloaded tarball in their cache (~/.npm, yarn's cache folder),
// inside the layer, where nothing uses it again. `npm cache clean --force` / `yarn cache clean` at the end of the
// RUN that installs keeps the layer to what was installed.
// Leaves alone a RUN whose cache mount holds the tool's cache (the cache mount profile) or that already cleans.
// Refuses yarn cache cleaning for Yarn 2+ (Berry), whose cache can be the installed packages themselves (Plug'n'Play),
// and when the build context is unknown, since then Berry cannot be ruled out.
import type { Change, Skip, Transform, BuildContext } from '../src/engine/types.js';
import type { Document } from '../src/engine/document.js';
import { cacheMountHolds, cleansNodeCache, isNpmInstall, isYarnInstall } from '../src/tools/packages.js';
import { appendToRun } from '../src/engine/run-edits.js';
import { readableScript } from '../src/tools/commands.js';

/** Why yarn's cache may be more than a cache here, or null when it is Yarn 1's plain download cache. */
function yarnBerryRisk(doc: Document, context: BuildContext | undefined): string | null {
  if (!context) return 'the build context is unknown, so Yarn 2+ (whose cache may hold the installed packages) cannot be ruled out';
  if (/\.yarnrc\.yml|yarn set version|corepack/.test(doc.text) || context.listFiles().some((f) => /(^|\/)\.yarnrc\.yml$/.test(f))) {
    return 'the project uses Yarn 2+ (.yarnrc.yml or corepack), whose cache may hold the installed packages';
  }
  const pkg = context.readFile('package.json');
  if (pkg && /"packageManager"\s*:\s*"yarn@([2-9]|\d\d)/.test(pkg)) return 'package.json asks for Yarn 2+ (packageManager), whose cache may hold the installed packages';
  return null;
}

export const npmYarnCacheClean: Transform = {
  id: 'npm-yarn-cache-clean',
  summary: 'clean the npm/yarn cache after installs',
  safety: 'safe',
  apply(doc, ctx) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN') continue;
      const line = run.getRange().start.line;
      const script = readableScript(doc, run, /\b(npm|yarn)\s/, skips);
      if (!script) continue;
      const commands = script.commands();
      const cleaned = commands.some(cleansNodeCache);
      const cleanUps: string[] = [];
      if (!cleaned && commands.some(isNpmInstall) && !cacheMountHolds(doc, run, 'npm')) cleanUps.push('npm cache clean --force');
      if (!cleaned && commands.some(isYarnInstall) && !cacheMountHolds(doc, run, 'yarn')) {
        const risk = yarnBerryRisk(doc, ctx.context);
        if (risk) skips.push({ line, reason: `yarn's cache is left in place: ${risk}` });
        else cleanUps.push('yarn cache clean');
      }
      if (!cleanUps.length) continue;
      const edit = appendToRun(doc, run, cleanUps.join(' && '));
      if ('refuse' in edit) skips.push({ line, reason: `${edit.refuse}, so the package cache is left in place` });
      else changes.push({ message: `add \`${cleanUps.join(' && ')}\` at the end of ${doc.quote(run)}`, line, edits: [edit] });
    }
    return { changes, skips };
  },
};
