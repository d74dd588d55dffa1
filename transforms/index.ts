// The registry: every built-in transform, in the order the engine runs them.
import type { Transform } from '../src/types.js';
import { splitCopyInstall } from './split-copy-install.js';
import { mergeAptUpdate } from './merge-apt-update.js';
import { pipNoCacheDir } from './pip-no-cache-dir.js';

export const builtinTransforms: readonly Transform[] = [splitCopyInstall, mergeAptUpdate, pipNoCacheDir];
