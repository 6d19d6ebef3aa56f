import { describe, expect, it } from 'vitest';
import { CANONICAL_HEADER, type HeaderMap, resolveHeader } from '../../src/import/columns.js';
import { newFileState, parseSheetDate, parseWage, RowValidator, splitSkills } from '../../src/import/validate-row.js';
import { hashIdNumber, makeIdNumber } from '../../src/ledger/identity.js';

const TODAY = '2026-11-29';
const KEY = 'test-key-0123456789abcdef0123456789abcdef';

function header(cells: readonly string[] = CANONICAL_HEADER): HeaderMap {
  const r = resolveHeader(cells, 1);
  if (!r.ok) throw new Error('bad header');
  return r.header;
}

const BASE: Record<string, string> = {
  村代码: '610921100201',
  省: '陕西省',
  市: '安康市',
  '县(区)': '汉阴县',
  '乡(镇)': '城关镇',
  村: '五一村',
  户编号: '6109211002010001',
  户类别: '未脱贫户',
  姓名: '张德明',
  身份证号: makeIdNumber('610921', '1972-03-14', 11),
  手机号: '13891501234',
  劳动能力: '普通劳动力',
  就业状态: '县内就业',
  就业单位: '汉阴县新社区工厂',
  月收入: '2800',
  是否参保: '是',
  状态日期: '2025-11-02',
};

let nextSeq = 13;
/** A row with its own ID number unless one is given. */
function cells(overrides: Record<string, string> = {}): string[] {
  nextSeq += 2;
  const values: Record<string, string> = { ...BASE, 身份证号: makeIdNumber('610921', '1980-01-01', nextSeq), ...overrides };
  return CANONICAL_HEADER.map((h) => values[h] ?? '');
}

function validator(h: HeaderMap = header()) {
  return new RowValidator({ header: h, idHashKey: KEY, today: TODAY, state: newFileState() });
}

function errorsOf(overrides: Record<string, string>, line = 2) {
  return validator()
    .validate({ line, cells: cells(overrides) })
    .errors.map((e) => ({ key: e.key, message: e.message, line: e.line }));
}

describe('header row', () => {
  it('accepts Chinese headers, English aliases, full-width brackets and required-column stars', () => {
    const h = resolveHeader(
      ['序号', '*村代码', 'household_code', '户类别', '姓名', 'ID_Number', '劳动能力', '县（区）', '备注'],
      3,
    );
    expect(h.ok).toBe(true);
    if (!h.ok) return;
    expect(h.header.line).toBe(3);
    expect(h.header.index).toMatchObject({ villageCode: 1, householdCode: 2, idNumber: 5, countyName: 7 });
    expect(h.header.label.idNumber).toBe('ID_Number');
  });

  it('names the missing required columns and a column given twice', () => {
    const h = resolveHeader(['村代码', '户编号', '姓名', '姓名', '劳动能力'], 1);
    expect(h.ok).toBe(false);
    if (h.ok) return;
    expect(h.missing).toEqual(['category', 'idNumber']);
    expect(h.duplicated).toEqual(['姓名']);
  });
});

describe('row validation', () => {
  it('turns a good row into typed ledger values', () => {
    const { value, errors } = validator().validate({
      line: 7,
      cells: cells({ 身份证号: BASE.身份证号 as string, 技能: '电工、焊工;电工' }),
    });
    expect(errors).toEqual([]);
    expect(value).toMatchObject({
      line: 7,
      villageCode: '610921100201',
      regionNames: ['陕西省', '安康市', '汉阴县', '城关镇', '五一村'],
      household: { code: '6109211002010001', category: 'NOT_YET_OUT' },
      worker: {
        name: '张德明',
        idHash: hashIdNumber(BASE.身份证号 as string, KEY),
        idLast4: (BASE.身份证号 as string).slice(-4),
        gender: 'M',
        birthYear: 1972,
        phone: '+8613891501234',
        laborCapacity: 'FULL',
        skills: ['电工', '焊工'],
      },
      status: {
        status: 'EMPLOYED_LOCAL',
        employer: '汉阴县新社区工厂',
        monthlyWage: 2800,
        insured: true,
        effectiveDate: '2025-11-02',
      },
    });
    expect(value?.contact).toBeUndefined();
  });

  it('reports each bad field by line and column, and never repeats an ID or phone number', () => {
    const badId = `${(BASE.身份证号 as string).slice(0, 17)}${(BASE.身份证号 as string)[17] === '0' ? '1' : '0'}`;
    const errors = errorsOf(
      {
        身份证号: badId,
        手机号: '02988881234',
        劳动能力: '强劳动力',
        户类别: '13812345678',
        状态日期: '2025-13-01',
        月收入: '三千',
        联系人电话: '13891509999',
      },
      12,
    );
    expect(errors).toEqual([
      { line: 12, key: 'category', message: expect.stringContaining('无法识别的值') },
      { line: 12, key: 'idNumber', message: '身份证号校验位错误 / ID number checksum is wrong' },
      { line: 12, key: 'phone', message: expect.stringContaining('not a valid mainland China mobile number') },
      { line: 12, key: 'laborCapacity', message: expect.stringContaining('“强劳动力”') },
      { line: 12, key: 'monthlyWage', message: expect.stringContaining('monthly income') },
      { line: 12, key: 'statusDate', message: expect.stringContaining('YYYY-MM-DD') },
      { line: 12, key: 'contactName', message: expect.stringContaining('family contact needs') },
      { line: 12, key: 'contactRelation', message: expect.stringContaining('family contact needs') },
    ]);
    const all = JSON.stringify(errors);
    expect(all).not.toContain(badId);
    expect(all).not.toContain('13812345678'); // a phone number typed into the category column is not echoed
    expect(all).not.toMatch(/\d{7,}/);
  });

  it('reports a repeated ID number as a duplicate of the first line', () => {
    const v = validator();
    const id = makeIdNumber('610921', '1990-05-05', 21);
    expect(v.validate({ line: 4, cells: cells({ 身份证号: id }) }).errors).toEqual([]);
    const second = v.validate({ line: 9, cells: cells({ 身份证号: id.toLowerCase(), 姓名: '李四' }) });
    expect(second.value).toBeUndefined();
    expect(second.errors).toEqual([{ line: 9, key: 'idNumber', message: '与第4行身份证号重复 / duplicate of line 4' }]);
  });

  it('keeps one household number to one village, category and site within the file', () => {
    const v = validator();
    expect(v.validate({ line: 2, cells: cells() }).errors).toEqual([]);
    expect(v.validate({ line: 3, cells: cells({ 村代码: '610921100202' }) }).errors[0]).toMatchObject({
      key: 'villageCode',
      message: expect.stringContaining('line 2'),
    });
    expect(v.validate({ line: 4, cells: cells({ 户类别: '监测户' }) }).errors[0]).toMatchObject({ key: 'category' });
    expect(v.validate({ line: 5, cells: cells() }).errors).toEqual([]);
  });

  it('requires a resettlement site for a relocated household and refuses "temporarily unwilling"', () => {
    expect(errorsOf({ 户类别: '易地扶贫搬迁户' })).toEqual([
      { line: 2, key: 'site', message: expect.stringContaining('resettlement site') },
    ]);
    expect(errorsOf({ 户类别: '易地扶贫搬迁户', 安置点: '月河安置小区' })).toEqual([]);
    expect(errorsOf({ 就业状态: '暂时无就业意愿' })[0]).toMatchObject({
      key: 'status',
      message: expect.stringContaining('Annex 1'),
    });
  });

  it('checks the village code shape and required cells', () => {
    expect(errorsOf({ 村代码: '61092110020' })[0]).toMatchObject({ key: 'villageCode' });
    expect(errorsOf({ 村代码: '610921000201' })[0]).toMatchObject({ key: 'villageCode' }); // township part 000
    expect(errorsOf({ 姓名: '', 劳动能力: '' })).toEqual([
      { line: 2, key: 'name', message: '必填 / required' },
      { line: 2, key: 'laborCapacity', message: '必填 / required' },
    ]);
  });

  it('wants employment details only with a status, and a contact number other than the worker’s own', () => {
    expect(errorsOf({ 就业状态: '' })[0]).toMatchObject({
      key: 'status',
      message: expect.stringContaining('without an employment status'),
    });
    expect(errorsOf({ 家庭联系人: '李秀兰', 联系人关系: '配偶', 联系人电话: '138 9150 1234' })).toEqual([
      { line: 2, key: 'contactPhone', message: expect.stringContaining('must not be the worker') },
    ]);
    const ok = validator().validate({
      line: 2,
      cells: cells({ 家庭联系人: '李秀兰', 联系人关系: '妻子', 联系人电话: '13891502345' }),
    });
    expect(ok.value?.contact).toEqual({ name: '李秀兰', relation: 'SPOUSE', phone: '+8613891502345' });
  });

  it('folds full-width text, padded names and enum spellings', () => {
    const { value } = validator().validate({
      line: 2,
      cells: cells({ 姓名: '王　伟', 劳动能力: '弱劳动力', 就业状态: ' 苏陕劳务协作 ', 是否参保: 'Y', 月收入: '５，２００元' }),
    });
    expect(value?.worker.name).toBe('王伟');
    expect(value?.worker.laborCapacity).toBe('PARTIAL');
    expect(value?.status?.status).toBe('EMPLOYED_JIANGSU');
    expect(value?.status?.insured).toBe(true);
    expect(value?.status?.monthlyWage).toBe(5200);
  });

  it('dates a status without a date on the import day', () => {
    expect(validator().validate({ line: 2, cells: cells({ 状态日期: '' }) }).value?.status?.effectiveDate).toBe(TODAY);
    expect(errorsOf({ 状态日期: '2026-12-01' })[0]).toMatchObject({
      key: 'statusDate',
      message: expect.stringContaining('future'),
    });
  });

  it('refuses an ID number that an XLSX stored as a number', () => {
    const h = header();
    const row = cells();
    const errors = validator(h).validate({ line: 5, cells: row, numeric: new Set([h.index.idNumber as number]) }).errors;
    expect(errors).toEqual([{ line: 5, key: 'idNumber', message: expect.stringContaining('stored as a number') }]);
  });
});

describe('cell parsers', () => {
  it.each([
    ['2025-11-02', '2025-11-02'],
    ['2025/1/5', '2025-01-05'],
    ['2025.01.05', '2025-01-05'],
    ['2025年1月5日', '2025-01-05'],
    ['20250105', '2025-01-05'],
    ['45662', '2025-01-05'], // Excel serial day
    ['2025-02-29', null],
    ['05/01/2025', null],
  ])('date %s → %s', (input, expected) => {
    expect(parseSheetDate(input)).toBe(expected);
  });

  it('reads wages and skills', () => {
    expect(parseWage('3,500元')).toBe(3500);
    expect(parseWage('3500.6')).toBe(3501);
    expect(parseWage('-1')).toBeNull();
    expect(splitSkills('电工、焊工；厨师,电工')).toEqual(['电工', '焊工', '厨师']);
  });
});
