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

/**
 * Thrown by a shared reader when the input it reads cannot be understood as Docker understands it (an ignore
 * pattern that does not compile): the transform that called it leaves the file alone, with this as the reason.
 */
export class InputRefusal extends Error {
  override name = 'InputRefusal';
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

/**
 * What a transform's changes may change in the built image. The real-build comparison (`dockmod verify`,
 * test/builds) allows the differences the applied transforms declare, and no others.
 */
export interface ImageDifferences {
  /** Absolute image path globs (picomatch, dot files included) the changes may remove, add or change. */
  paths?: readonly string[];
  /** Packages may be left out or added: the files dpkg lists for them, and dpkg's and apt's records. */
  dpkgPackages?: boolean;
}

/**
 * What a transform reads: the instructions it changes or reports on, and the package tools whose commands it looks
 * for. The built-in transforms are not run on a Dockerfile with none of those instructions, or in whose text no
 * command of those tools can be (Transform.mayFind, from src/tools/mentions.ts).
 */
export interface TransformTrigger {
  /** Instruction keywords in upper case (`RUN`, `COPY`): every change and skip of the transform concerns one of them. */
  instructions: readonly string[];
  /** Package tools by id (`apt`, `pip`, `npm`), when the transform reads the commands of some tools only. */
  tools?: readonly string[];
}

export interface Transform {
  /** Lower-case kebab-case; names the transform in --only/--skip, configs, pragmas and reports. */
  id: string;
  summary: string;
  safety: Safety;
  /** None when the changes leave the image's files as they were. */
  imageDifferences?: ImageDifferences;
  /** The docs page as a path in dockmod's repository (`docs/transforms/<id>.md`); reports link it. Optional for custom transforms. */
  docs?: string;
  /** What the transform reads. Optional for custom transforms. */
  trigger?: TransformTrigger;
  /**
   * False where the transform would find nothing (no change, no skip), told by a cheap look before any script is
   * parsed: the engine does not run it there. Absent: it is run on every document.
   */
  mayFind?(doc: Document): boolean;
  /**
   * Pure: the same document and context give the same result. The engine runs it again only when the document
   * or the context's files changed since its last run, and keeps that run's skips and held-back changes.
   */
  apply(doc: Document, ctx: TransformContext): TransformResult;
}

/** A transform of dockmod's registry: its docs page and trigger are required (test/registry.test.ts holds it to them). */
export type BuiltinTransform = Transform & Required<Pick<Transform, 'docs' | 'trigger'>>;

/** A built-in transform as its module writes it: the registry gives it its docs page, `docs/transforms/<id>.md`. */
export type BuiltinTransformModule = Omit<BuiltinTransform, 'docs'>;

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
