import { getDefaultHighWaterMark } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { csvExport, csvStream, safeCell } from './csv.js';

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await tick();
    yield item;
  }
}

/** An endless source that records how far it was read and whether it was closed. */
function endless() {
  const state = { pulled: 0, closed: false };
  async function* rows(): AsyncGenerator<{ n: number }> {
    try {
      for (;;) {
        await tick();
        yield { n: state.pulled++ };
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, rows: rows() };
}

describe('csvExport', () => {
  const hostile = ['=HYPERLINK("http://evil")', 'line one\nline two', 'quote " inside', 'comma, here', 'ünïcødé 🙂', '-2+3', null];

  it('writes exactly the bytes of the CSV writer fed row by row, formula guard included', async () => {
    const rows = hostile.map((text, i) => ({ text, i, at: new Date(Date.UTC(2026, 0, i + 1)) }));
    const expected = csvStream(['text', 'i', 'at']);
    const expectedText = collect(expected);
    for (const r of rows) expected.write([r.text, r.i, r.at].map(safeCell));
    expected.end();

    const actual = await collect(csvExport(['text', 'i', 'at'], fromArray(rows), (r) => [r.text, r.i, r.at]));
    expect(actual).toBe(await expectedText);
    expect(actual).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it('writes the byte-order mark and the header when there are no rows', async () => {
    expect(await collect(csvExport(['a', 'b'], fromArray([]), () => []))).toBe('\ufeffa,b\n');
  });

  it('stops reading while nobody reads the download', async () => {
    const source = endless();
    const csv = csvExport(['n'], source.rows, (r) => [r.n]);
    let before = -1;
    for (let batch = 0; batch < 500 && source.state.pulled !== before; batch++) {
      before = source.state.pulled;
      for (let i = 0; i < 100; i++) await tick();
    }
    expect(source.state.pulled).toBe(before);
    // A few stream buffers' worth at most (rows are at least 3 bytes; buffers are 16 KiB on Node 20, 64 KiB from 22).
    expect(source.state.pulled).toBeLessThan((4 * getDefaultHighWaterMark(false)) / 3);
    csv.destroy();
  });

  it('stops reading and closes the source when the download is aborted mid-stream', async () => {
    const source = endless();
    const csv = csvExport(['n'], source.rows, (r) => [r.n]);
    let received = '';
    for await (const chunk of csv) {
      received += String(chunk);
      if (received.split('\n').length > 50) break; // leaving the loop destroys the stream, as a closed socket does
    }
    expect(csv.destroyed).toBe(true);
    for (let i = 0; i < 20 && !source.state.closed; i++) await tick();
    expect(source.state.closed).toBe(true);
    const pulled = source.state.pulled;
    for (let i = 0; i < 50; i++) await tick();
    expect(source.state.pulled).toBe(pulled);
  });

  it('ends the download in error when a read fails', async () => {
    async function* failing(): AsyncGenerator<{ n: number }> {
      yield { n: 1 };
      await tick();
      throw new Error('connection lost');
    }
    await expect(collect(csvExport(['n'], failing(), (r) => [r.n]))).rejects.toThrow('connection lost');
  });
});
