import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { detectFormat, readSheetRows, SheetFileError, type SheetRow } from '../../src/import/read-rows.js';
import { SAMPLE_XLSX, tempDir, writeCsv, writeXlsx } from './helpers.js';

async function all(path: string): Promise<SheetRow[]> {
  const rows: SheetRow[] = [];
  for await (const r of readSheetRows(path)) rows.push(r);
  return rows;
}

describe('reading sheets', () => {
  const dir = tempDir();

  it('reads UTF-8 CSV with a BOM and numbers lines as an editor does', async () => {
    const path = join(dir, 'lines.csv');
    // line 2 empty, line 3-4 one quoted cell across two lines, line 5 only separators
    writeFileSync(path, '\ufeff姓名,备注\r\n\r\n张三,"第一行\r\n第二行"\r\n,\r\n李四,"说""好"""\r\n');
    const rows = await all(path);
    expect(rows.map((r) => [r.line, r.cells])).toEqual([
      [1, ['姓名', '备注']],
      [3, ['张三', '第一行\r\n第二行']],
      [6, ['李四', '说"好"']],
    ]);
  });

  it('reads a CSV saved as GBK by Excel on Chinese Windows', async () => {
    const path = join(dir, 'gbk.csv');
    // "姓名,村\r\n张三,五一村\r\n" in GBK
    writeFileSync(path, Buffer.from('d0d5c3fb2cb4e50d0ad5c5c8fd2ccee5d2bbb4e50d0a', 'hex'));
    expect((await all(path)).map((r) => r.cells)).toEqual([
      ['姓名', '村'],
      ['张三', '五一村'],
    ]);
  });

  it('reads LF, CRLF, a mix of both and old Mac CR line breaks alike', async () => {
    const expected = [
      [1, ['a', 'b']],
      [2, ['张三', '说,好']],
      [3, ['李四', '']],
    ];
    for (const [name, text] of [
      ['lf', 'a,b\n张三,"说,好"\n李四,\n'],
      ['crlf', 'a,b\r\n张三,"说,好"\r\n李四,\r\n'],
      ['mixed', 'a,b\r\n张三,"说,好"\n李四,\r\n'],
      ['cr', 'a,b\r张三,"说,好"\r李四,\r'],
      ['no final break', 'a,b\r\n张三,"说,好"\r\n李四,'],
    ] as const) {
      const path = join(dir, `breaks-${name}.csv`);
      writeFileSync(path, text);
      expect(
        (await all(path)).map((r) => [r.line, r.cells]),
        name,
      ).toEqual(expected);
    }
  });

  it('refuses a quote left open with the line its record starts on, instead of reading the rest of the file as one cell', async () => {
    const path = join(dir, 'open-quote.csv');
    const good = '张三,五一村\r\n'.repeat(5000);
    writeFileSync(path, `姓名,村\r\n${good}李四,"五一村\r\n${'王五,五一村\r\n'.repeat(80_000)}`);
    const read: SheetRow[] = [];
    const failure = await (async () => {
      for await (const r of readSheetRows(path)) read.push(r);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SheetFileError);
    expect((failure as Error).message).toContain('line 5002');
    expect(read).toHaveLength(5001);
    // Open to the end of a short file.
    const short = join(dir, 'open-quote-short.csv');
    writeFileSync(short, '姓名,村\r\n张三,"五一村\r\n李四,五一村\r\n');
    await expect(all(short)).rejects.toThrow(/record starting on line 2 never ends/);
  });

  // Cells of any text (quotes, commas, line breaks, Chinese, emoji) written as Excel writes CSV
  // come back as written, on the lines they start on, however the reader's blocks cut them; a CR
  // that ends a row's last cell is read as part of the row's line break (CRLF and LF files mixed).
  test.prop(
    [
      fc.array(
        fc.array(
          fc.oneof(fc.string({ unit: fc.constantFrom('a', '"', ',', '\n', '\r\n', '\r', ' ', '张', '😀') }), fc.string()),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        { minLength: 1, maxLength: 30 },
      ),
      fc.integer({ min: 0, max: 70_000 }),
    ],
    { numRuns: 40 },
  )('reads back any cells written as CSV, with their line numbers', async (table, padding) => {
    const rows = [['x'.repeat(padding + 1)], ...table.filter((r) => r.some((c) => c.trim() !== ''))];
    const path = writeCsv(join(dir, 'prop.csv'), rows);
    let line = 1;
    const expected = rows.map((r) => {
      const at = line;
      line += 1 + r.join('').split('\n').length - 1;
      const last = r.length - 1;
      return [at, r.map((c, i) => (i === last && c.endsWith('\r') ? c.slice(0, -1) : c))];
    });
    expect((await all(path)).map((r) => [r.line, r.cells])).toEqual(expected);
  });

  it('refuses bytes that are neither UTF-8 nor GBK', async () => {
    const path = join(dir, 'binary.csv');
    writeFileSync(path, Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xff, 0x0a]));
    await expect(all(path)).rejects.toBeInstanceOf(SheetFileError);
  });

  it('tells XLSX from CSV by content, not by name', async () => {
    const disguised = join(dir, 'ledger.csv');
    copyFileSync(SAMPLE_XLSX, disguised);
    expect(await detectFormat(disguised)).toBe('xlsx');
    const rows = await all(disguised);
    expect(rows[0]).toEqual({ line: 1, cells: ['汉阴县、丹凤县脱贫劳动力就业台账（示例）'] }); // a title row above the header
    expect(rows[1]?.cells.slice(0, 3)).toEqual(['村代码', '省', '市']);
    expect(rows[1]?.line).toBe(2);
  });

  it('gives XLSX dates as YYYY-MM-DD and flags cells stored as numbers', async () => {
    const path = await writeXlsx(join(dir, 'types.xlsx'), [
      ['身份证号', '手机号', '状态日期', '备注'],
      [610921197203140100, 13891501234, new Date(Date.UTC(2025, 10, 2)), { richText: [{ text: '富' }, { text: '文本' }] }],
    ]);
    const [, row] = await all(path);
    expect(row?.cells).toEqual(['610921197203140100', '13891501234', '2025-11-02', '富文本']);
    expect([...(row?.numeric ?? [])]).toEqual([0, 1]);
  });
});
