import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLogLine } from '../../src/config/human-log';
import { createProgress, MAX_COLUMNS } from '../../src/cli/progress';
import { trainingLine } from '../../src/cli/training-line';

/** A stream that keeps what is written to it, terminal or not. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const stream = {
    isTTY,
    columns: 200,
    text: '',
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

describe('CLI output for people', () => {
  it('the training bar fits 80 columns with the widest figures and state', () => {
    const stream = fakeStream(true);
    const bar = createProgress(200, { stream });
    const text = trainingLine(
      {
        epoch: 200,
        loss: 98.76543,
        validationLoss: 123456.7,
        validationPrAuc: 0.123456,
        state: 'CANCELLED',
      },
      200,
    );
    bar.update(200, text);
    bar.stop();
    // Split at the terminal's escape sequences (ESC [ ... letter) and line ends.
    const ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]|\\r|\\n`);
    const drawn = stream.text.split(ESCAPE).filter((l) => l.includes('epoch'));
    assert.ok(drawn.length > 0, JSON.stringify(stream.text));
    for (const line of drawn) assert.ok(line.length < MAX_COLUMNS, `${line.length}: ${line}`);
    assert.ok(
      drawn.some((l) => l.includes('CANCELLED')),
      'the state is not cut off',
    );
  });

  it('progress on a pipe is one plain line per change, never a carriage return', () => {
    const stream = fakeStream(false);
    const bar = createProgress(3, { stream });
    for (const epoch of [1, 1, 2, 3])
      bar.update(
        epoch,
        trainingLine(
          { epoch, loss: 0.5, validationLoss: 0.6, validationPrAuc: null, state: 'RUNNING' },
          3,
        ),
      );
    bar.stop(3);
    assert.equal(stream.text.includes('\r'), false);
    assert.deepEqual(stream.text.trim().split('\n'), [
      'epoch 1/3 loss 0.5000 val 0.6000 PR-AUC - RUNNING',
      'epoch 2/3 loss 0.5000 val 0.6000 PR-AUC - RUNNING',
      'epoch 3/3 loss 0.5000 val 0.6000 PR-AUC - RUNNING',
    ]);
  });

  it('log lines read as time, level, message and fields', () => {
    const line = formatLogLine(
      JSON.stringify({
        level: 40,
        time: Date.UTC(2026, 10, 29, 6, 30, 5),
        pid: 1,
        service: 'sentinel',
        msg: 'migration applied',
        migration: '0001_roles.sql',
        note: 'two words',
      }) + '\n',
    );
    assert.equal(
      line,
      '06:30:05 warn  migration applied migration=0001_roles.sql note="two words"\n',
    );
    assert.equal(formatLogLine('not json\n'), 'not json\n');
  });
});
