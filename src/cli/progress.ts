// A progress bar on stderr for long runs: only on a terminal, never in CI, and only once the run is long
// (more than LONG_RUN_FILES files, or still going after LONG_RUN_MS). It draws on one line and erases itself.

export const LONG_RUN_FILES = 50;
export const LONG_RUN_MS = 1000;
const REDRAW_MS = 100;
const WIDTH = 30;

export interface Progress {
  tick(): void;
  /** Erases the bar; call before printing anything else to the terminal. */
  clear(): void;
  /** The stream, writing through which erases the bar first (it is redrawn on the next tick). */
  guard<S extends NodeJS.WritableStream>(stream: S): S;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const silent: Progress = { tick() {}, clear() {}, guard: (stream) => stream };

export function progressBar(total: number, stream: Stream, env: NodeJS.ProcessEnv = process.env): Progress {
  if (!stream.isTTY || env.CI || total <= 1) return silent;
  const started = Date.now();
  let done = 0;
  let drawnAt = 0;
  let shown = false;
  const draw = () => {
    const filled = Math.round((done / total) * WIDTH);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    stream.write(`\r[${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${done}/${total} files ${seconds}s`);
    shown = true;
  };
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    tick() {
      done++;
      const now = Date.now();
      if (now - drawnAt < REDRAW_MS) return;
      if (!shown && total <= LONG_RUN_FILES && now - started < LONG_RUN_MS) return;
      drawnAt = now;
      draw();
    },
    clear,
    guard(target) {
      const write = target.write.bind(target) as (...args: unknown[]) => boolean;
      return Object.assign(Object.create(target) as typeof target, {
        write: (...args: unknown[]) => {
          clear();
          return write(...args);
        },
      });
    },
  };
}
