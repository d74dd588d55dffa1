// dockmod's library API: `import { optimize } from 'dockmod'`.
export { optimize, selectTransforms, TransformError, MAX_PASSES } from './engine/engine.js';
export { OverlappingEditsError } from './engine/edits.js';
export { Document } from './engine/document.js';
export { memoryContext, directoryContext } from './contexts/context.js';
export { builtinTransforms } from '../transforms/index.js';
export type * from './engine/types.js';
