// The registry: every built-in transform, in the order the engine runs them. Each one's id names its docs page,
// fixtures and snapshots, and its row of the README's table; test/registry.test.ts holds them together.
import type { BuiltinTransform, BuiltinTransformModule } from '../src/engine/types.js';
import { mayTrigger } from '../src/tools/mentions.js';
import { splitCopyInstall } from './split-copy-install.js';
import { mergeAptUpdate } from './merge-apt-update.js';
import { pipNoCacheDir } from './pip-no-cache-dir.js';
import { addToCopy } from './add-to-copy.js';
import { maintainerToLabel } from './maintainer-to-label.js';
import { envKeyEqualsValue } from './env-key-equals-value.js';
import { fromAsCasing } from './from-as-casing.js';
import { aptGetYes } from './apt-get-yes.js';
import { aptNoInstallRecommends } from './apt-no-install-recommends.js';
import { aptListsCleanup } from './apt-lists-cleanup.js';
import { apkNoCache } from './apk-no-cache.js';
import { yumDnfZypperClean } from './yum-dnf-zypper-clean.js';
import { dnfNoWeakDeps } from './dnf-no-weak-deps.js';
import { npmYarnCacheClean } from './npm-yarn-cache-clean.js';
import { gemNoDocument } from './gem-no-document.js';
import { npmCi } from './npm-ci.js';
import { mergeRuns } from './merge-runs.js';
import { reorderForCache } from './reorder-for-cache.js';
import { execFormCmd } from './exec-form-cmd.js';
import { buildkitCacheMounts } from './buildkit-cache-mounts.js';

// Order matters for what a pass sees: instructions are modernised first (ADD -> COPY lets split-copy-install read
// plain copies), layers are re-cut next (split, merged updates), then each RUN's contents are fixed. The cache
// mount profile must come before the transforms that clean caches, which skip a RUN whose mount holds the cache.
const modules: readonly BuiltinTransformModule[] = [
  addToCopy,
  maintainerToLabel,
  envKeyEqualsValue,
  fromAsCasing,
  splitCopyInstall,
  reorderForCache,
  mergeAptUpdate,
  mergeRuns,
  buildkitCacheMounts,
  aptGetYes,
  aptNoInstallRecommends,
  aptListsCleanup,
  apkNoCache,
  yumDnfZypperClean,
  dnfNoWeakDeps,
  pipNoCacheDir,
  npmCi,
  npmYarnCacheClean,
  gemNoDocument,
  execFormCmd,
];

/** Each transform's docs page is named by its id; it is not run where its trigger cannot match. */
export const builtinTransforms: readonly BuiltinTransform[] = modules.map((t) => ({ ...t, docs: `docs/transforms/${t.id}.md`, mayFind: (doc) => mayTrigger(t, doc) }));
