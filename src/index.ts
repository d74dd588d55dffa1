// dockmod's library API: `import { optimize } from 'dockmod'`.
export { optimize, selectTransforms, TransformError, MAX_PASSES } from './engine.js';
export { OverlappingEditsError } from './edits.js';
export { Document } from './document.js';
export { memoryContext, directoryContext } from './context.js';
export { builtinTransforms } from '../transforms/index.js';
export type * from './types.js';
