import type { Document } from './document.js';

/** A replacement of `text[start, end)` in the Dockerfile as the transform saw it. Offsets are JS string indices. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** 'safe' changes run by default; 'unsafe' ones only with `unsafe: true` (they may change what the image holds). */
export type Safety = 'safe' | 'unsafe';

/** A whole new text for another file of the build context (e.g. `.dockerignore`), relative to the context root. */
export interface FileWrite {
  path: string;
  text: string;
}

/**
 * Something a change takes out of the Dockerfile or moves elsewhere in it, said in structure rather than in its
 * message, so that a check that every word and comment is kept can tell a deliberate removal from a lost one.
 */
export interface Removal {
  /** `words`: shell words of a RUN; `comment`: a comment; `instruction`: a whole instruction (keyword, flags, words, comments). */
  kind: 'words' | 'comment' | 'instruction';
  /** The text taken away, as written (`apk update`, `# refresh the lists`, `RUN apt-get update`). */
  text: string;
  /** The text goes on elsewhere in the Dockerfile (merged into another instruction, moved above one): nothing of it is lost. */
  moved?: boolean;
}

/** What a transform returns for one fix. */
export interface Change {
  /** One line saying what changed, e.g. "copy the manifests before `npm ci`". */
  message: string;
  /** 0-based line of the instruction the change concerns, in the text the transform saw. */
  line: number;
  edits: Edit[];
  /** Other files of the build context rewritten by the same change. */
  files?: FileWrite[];
  /** Defaults to the transform's own safety. */
  safety?: Safety;
  /** What the change takes away or moves, when it does more than add and rewrite in place. */
  removes?: Removal[];
}

/** A transform that looked at an instruction and deliberately left it alone. */
export interface Skip {
  line: number;
  reason: string;
}

export interface TransformResult {
  changes: Change[];
  skips: Skip[];
}

/** Read-only view of the files next to the Dockerfile. Paths are relative to the context root, `/`-separated. */
export interface BuildContext {
  readFile(path: string): string | undefined;
  /** The first `limit` bytes of a regular file (to tell an archive by its content), or undefined. */
  readBytes(path: string, limit: number): Uint8Array | undefined;
  exists(path: string): boolean;
  /** Every file of the context (relative paths, sorted), for installs that need all project files of a kind. */
  listFiles(): string[];
  /** Where the ignore file of this build is: `<Dockerfile>.dockerignore` beside the Dockerfile when present, else `.dockerignore`. */
  readonly ignoreFile: IgnoreFileLocation;
  /**
   * The other Dockerfiles built with this context that apply the same ignore file (names relative to the context
   * root; text undefined when unreadable): an edit to the ignore file changes their builds too. Absent: none known.
   */
  ignoreFileSharers?(): readonly { name: string; text: string | undefined }[];
  /**
   * Why the file at `path` is neither read nor written although something is there, in words that follow "is"
   * (`a symbolic link to outside the build context`, `a folder, not a file`); undefined when it is not refused.
   */
  refusal?(path: string): string | undefined;
}

/**
 * BuildKit reads `<Dockerfile>.dockerignore` from the Dockerfile's own folder, which may lie outside the context;
 * the context's `.dockerignore` only when that file does not exist.
 */
export type IgnoreFileLocation =
  /** In the context: read with readFile, rewritten by a FileWrite of this path. */
  | { readonly path: string }
  /** Outside the context: its path relative to the context root (`../docker/Dockerfile.dockerignore`) and its text. Never rewritten. */
  | { readonly outside: string; readonly text: string };

export interface TransformContext {
  /** Undefined when the build context is unknown: transforms that need it must skip. */
  context: BuildContext | undefined;
}

export interface Transform {
  id: string;
  summary: string;
  safety: Safety;
  /**
   * Pure: the same document and context give the same result. The engine runs it again only when the document
   * or the context's files changed since its last run, and keeps that run's skips and held-back changes.
   */
  apply(doc: Document, ctx: TransformContext): TransformResult;
}

export interface OptimizeOptions {
  context?: BuildContext;
  /** Run only these transform ids. */
  only?: string[];
  /** Never run these transform ids. */
  skip?: string[];
  /** Apply unsafe changes too. */
  unsafe?: boolean;
  /** Transforms to use instead of the built-in registry (custom rules, tests). */
  transforms?: readonly Transform[];
}

export interface AppliedChange {
  transform: string;
  message: string;
  /** 1-based line in the original text. */
  line: number;
  safety: Safety;
  /** 1-based, inclusive spans of original lines that the change's edits replace or insert at. */
  edited: { start: number; end: number }[];
  /** As the change declared it (Change.removes). */
  removes?: Removal[];
}

export interface ReportedSkip {
  transform: string;
  /** 1-based line in the original text. */
  line: number;
  reason: string;
}

export interface OptimizeResult {
  text: string;
  /** Other files of the build context that the changes rewrote (whole new contents). */
  files: FileWrite[];
  changes: AppliedChange[];
  skips: ReportedSkip[];
  /** Unsafe changes found but not applied because `unsafe` was off. */
  heldBack: AppliedChange[];
}
