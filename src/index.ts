// dockmod's library API: `import { optimize } from 'dockmod'`.
import { optimizeText } from './engine/engine.js';
import { builtinTransforms } from '../transforms/index.js';
import type { OptimizeOptions, OptimizeResult } from './engine/types.js';

export { selectTransforms, TransformError, MAX_PASSES } from './engine/engine.js';
export { OverlappingEditsError } from './engine/edits.js';
export { Document } from './engine/document.js';
export { memoryContext, directoryContext } from './contexts/context.js';
export { builtinTransforms };
export type * from './engine/types.js';

/** Optimizes a Dockerfile's text with the built-in transforms, or with `options.transforms` when given. */
export function optimize(input: string, options: OptimizeOptions = {}): OptimizeResult {
  return optimizeText(input, { ...options, transforms: options.transforms ?? builtinTransforms });
}
