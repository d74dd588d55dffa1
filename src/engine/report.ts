// What one Dockerfile's optimization comes to, as every output reads it (the formats, the diff, --write, explain
// and verify): the texts before and after, the other files of the build context it writes, and the findings.
import type { AppliedChange, ReportedSkip } from './types.js';

export interface FileReport {
  file: string;
  before: string;
  after: string;
  /** Other files of the build context: absolute path, the context folder, old text (undefined when new) and new text. */
  extra: { file: string; context: string; before: string | undefined; after: string }[];
  changes: AppliedChange[];
  skips: ReportedSkip[];
  heldBack: AppliedChange[];
  /** Files of the build context that were not read (absolute paths), with why: a link out of it, a folder. */
  refused: { file: string; reason: string }[];
  /**
   * The build context taken where no build file or --context names one and the Dockerfile's own folder lacks a
   * source it copies (`missing`): the nearest folder above that has them all.
   */
  provenContext?: { dir: string; missing: string };
  /** The one-line summary of each transform that changes and held-back changes name, custom transforms' too. */
  summaries: Record<string, string>;
  /** The docs page (a repository path) of each transform the changes, held-back changes and skips name, where it has one. */
  docs: Record<string, string>;
}

/** The Dockerfile or one of the other files it writes differs from what was read. */
export const isChanged = (r: Pick<FileReport, 'before' | 'after' | 'extra'>): boolean => r.after !== r.before || r.extra.some((e) => e.before !== e.after);
