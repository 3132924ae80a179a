import { SingleBar } from 'cli-progress';

/** The widest line the CLI's bars draw: an 80-column terminal. */
export const MAX_COLUMNS = 80;

export interface Progress {
  update(value: number, text: string): void;
  /** Ends the bar (or the lines) at `value`, the real end when a run stops early. */
  stop(value?: number): void;
}

/**
 * A bar redrawn in place on a terminal; on anything else (a pipe, a log file, CI) one plain line
 * per change of `text`, since carriage returns would pile up there. `text` is what follows the bar.
 */
export function createProgress(
  total: number,
  options: { stream?: NodeJS.WriteStream; barSize?: number } = {},
): Progress {
  const stream = options.stream ?? process.stdout;
  if (!stream.isTTY) {
    let last = '';
    return {
      update(_value, text) {
        if (text !== last) stream.write(`${text}\n`);
        last = text;
      },
      stop() {},
    };
  }
  const barSize = options.barSize ?? 16;
  const bar = new SingleBar({
    stream,
    barsize: barSize,
    hideCursor: true,
    barCompleteChar: '#',
    barIncompleteChar: '-',
    // The text is ours, already short enough; cli-progress only draws the bar before it.
    format: (barOptions, params, payload: { text?: string }) => {
      const filled = Math.round(params.progress * barSize);
      const drawn =
        (barOptions.barCompleteString ?? '#'.repeat(barSize)).slice(0, filled) +
        (barOptions.barIncompleteString ?? '-'.repeat(barSize)).slice(0, barSize - filled);
      return `[${drawn}] ${payload.text ?? ''}`.slice(0, MAX_COLUMNS - 1);
    },
  });
  bar.start(total, 0, { text: '' });
  return {
    update(value, text) {
      bar.update(value, { text });
    },
    stop(value) {
      if (value !== undefined) {
        bar.setTotal(value);
        bar.update(value);
      }
      bar.stop();
    },
  };
}
