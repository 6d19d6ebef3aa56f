/**
 * Checks one sheet row and turns it into typed ledger values. Everything that needs no database
 * is decided here: ID number checksum, mobile numbers, enum values, dates and numbers, and the
 * consistency of the file with itself (an ID number twice, one household number with two
 * villages). Whether the village exists is decided per batch by the writer.
 *
 * Messages are bilingual (zh / en) and never repeat an ID or phone number: a value is echoed only
 * when it holds no run of 5 or more digits.
 */
import {
  type EmploymentStatus,
  EmploymentStatus as EmploymentStatusEnum,
  type FamilyRelation,
  type HouseholdCategory,
  type LaborCapacity,
} from '../generated/prisma/enums.js';
import { hashIdNumber, type IdNumberProblem, idLast4, isRealDate, parseIdNumber } from '../ledger/identity.js';
import { normaliseMobile } from '../ledger/phone.js';
import { type ColumnKey, type HeaderMap, REGION_NAME_KEYS } from './columns.js';
import type { SheetRow } from './read-rows.js';

export interface RowError {
  line: number;
  key: ColumnKey;
  message: string;
}

export interface LedgerRow {
  line: number;
  villageCode: string;
  /** Province, city, county, township, village names as given (undefined when empty). */
  regionNames: (string | undefined)[];
  household: {
    code: string;
    headName?: string;
    category: HouseholdCategory;
    siteName?: string;
    address?: string;
  };
  worker: {
    name: string;
    idHash: string;
    idLast4: string;
    gender: 'M' | 'F';
    birthYear: number;
    phone?: string;
    laborCapacity: LaborCapacity;
    willingToWorkAway?: boolean;
    skills?: string[];
    isReturnee?: boolean;
    needsVoice?: boolean;
    countyConfirmed?: boolean;
  };
  status?: {
    status: EmploymentStatus;
    employer?: string;
    place?: string;
    industry?: string;
    monthlyWage?: number;
    insured?: boolean;
    reason?: string;
    /** YYYY-MM-DD: the sheet's status date, else the import day. */
    effectiveDate: string;
  };
  contact?: { name: string; relation: FamilyRelation; phone: string };
}

/**
 * A copy of `s` that shares no memory with the string it was cut from. The file state outlives
 * the reader's blocks of text, and a string cut out of a block keeps the whole block alive:
 * a province's household numbers would otherwise keep the whole file in memory.
 */
function detached(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** What the validator remembers about the file so far, to catch repeats. */
export interface FileState {
  /** Truncated ID hash → line it first appeared on. */
  ids: Map<string, number>;
  /** Household number → "line\u0001village\u0001category\u0001site" of its first valid row. */
  households: Map<string, string>;
}

export interface ValidationContext {
  header: HeaderMap;
  idHashKey: string;
  /** Today in China (YYYY-MM-DD): default status date and upper bound for dates. */
  today: string;
  state: FileState;
  /**
   * Region code of the importing staff member's scope: rows whose village code does not start
   * with it are rejected (a county imports its own villages only). Undefined: no limit.
   */
  scopeCode?: string;
}

export function newFileState(): FileState {
  return { ids: new Map(), households: new Map() };
}

// ───────────────────────────── Value tables ─────────────────────────────

function table<T extends string>(entries: Record<string, T>, enumValues: readonly T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  for (const v of enumValues) m.set(v.toLowerCase(), v);
  return m;
}

export const CATEGORY_VALUES = table<HouseholdCategory>(
  {
    未脱贫户: 'NOT_YET_OUT',
    未脱贫: 'NOT_YET_OUT',
    监测户: 'MONITORED',
    脱贫不稳定户: 'MONITORED',
    防返贫监测户: 'MONITORED',
    边缘户: 'EDGE',
    边缘易致贫户: 'EDGE',
    易地扶贫搬迁户: 'RELOCATED',
    易地搬迁户: 'RELOCATED',
    搬迁户: 'RELOCATED',
    其他: 'OTHER',
    已脱贫户: 'OTHER',
    脱贫户: 'OTHER',
  },
  ['NOT_YET_OUT', 'MONITORED', 'EDGE', 'RELOCATED', 'OTHER'],
);

export const LABOR_VALUES = table<LaborCapacity>(
  {
    普通劳动力: 'FULL',
    技能劳动力: 'FULL',
    弱劳动力: 'PARTIAL',
    半劳动力: 'PARTIAL',
    弱劳动力或半劳动力: 'PARTIAL',
    无劳动力: 'NONE',
    丧失劳动力: 'NONE',
  },
  ['FULL', 'PARTIAL', 'NONE'],
);

export const STATUS_VALUES = table<EmploymentStatus>(
  {
    县内就业: 'EMPLOYED_LOCAL',
    省内县外: 'EMPLOYED_IN_PROVINCE',
    省内县外就业: 'EMPLOYED_IN_PROVINCE',
    省外就业: 'EMPLOYED_OUT_OF_PROVINCE',
    省外: 'EMPLOYED_OUT_OF_PROVINCE',
    苏陕协作: 'EMPLOYED_JIANGSU',
    苏陕劳务协作: 'EMPLOYED_JIANGSU',
    公益性岗位: 'PUBLIC_WELFARE_POST',
    公益岗位: 'PUBLIC_WELFARE_POST',
    自主创业: 'SELF_EMPLOYED',
    灵活就业: 'SELF_EMPLOYED',
    未就业: 'UNEMPLOYED',
    失业: 'UNEMPLOYED',
    返乡: 'RETURNED_HOME',
    返乡回流: 'RETURNED_HOME',
    丧失劳动能力: 'UNABLE_TO_WORK',
    暂时无就业意愿: 'TEMPORARILY_UNWILLING',
  },
  // Every status but UNKNOWN may also be written as its code.
  Object.values(EmploymentStatusEnum).filter((v) => v !== 'UNKNOWN'),
);

export const RELATION_VALUES = table<FamilyRelation>(
  {
    配偶: 'SPOUSE',
    妻子: 'SPOUSE',
    丈夫: 'SPOUSE',
    夫妻: 'SPOUSE',
    父母: 'PARENT',
    父亲: 'PARENT',
    母亲: 'PARENT',
    子女: 'CHILD',
    儿子: 'CHILD',
    女儿: 'CHILD',
    兄弟姐妹: 'SIBLING',
    兄弟: 'SIBLING',
    姐妹: 'SIBLING',
    哥哥: 'SIBLING',
    弟弟: 'SIBLING',
    姐姐: 'SIBLING',
    妹妹: 'SIBLING',
    祖父母: 'GRANDPARENT',
    祖父: 'GRANDPARENT',
    祖母: 'GRANDPARENT',
    爷爷: 'GRANDPARENT',
    奶奶: 'GRANDPARENT',
    外公: 'GRANDPARENT',
    外婆: 'GRANDPARENT',
    其他: 'OTHER',
    其他亲属: 'OTHER',
  },
  ['SPOUSE', 'PARENT', 'CHILD', 'SIBLING', 'GRANDPARENT', 'OTHER'],
);

const BOOL_VALUES = new Map<string, boolean>([
  ['是', true],
  ['否', false],
  ['有', true],
  ['无', false],
  ['y', true],
  ['n', false],
  ['yes', true],
  ['no', false],
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['√', true],
  ['×', false],
]);

// ───────────────────────────── Messages ─────────────────────────────

export const MSG = {
  required: '必填 / required',
  idLength: '身份证号应为18位 / ID number must have 18 characters',
  idCharacters: '身份证号只能由17位数字和末位数字或X组成 / ID number must be 17 digits and a final digit or X',
  idProvince: '身份证号前两位不是有效的省级代码 / ID number does not start with a valid province code',
  idBirthDate: '身份证号中的出生日期无效 / the birth date inside the ID number is not a valid date',
  idChecksum: '身份证号校验位错误 / ID number checksum is wrong',
  idStoredAsNumber:
    '身份证号被存成了数字，末几位已丢失；请将该列设为文本后重新导出 / ID number was stored as a number and lost its last digits; format the column as text and export again',
  duplicateId: (line: number) => `与第${line}行身份证号重复 / duplicate of line ${line}`,
  phone: '不是有效的中国大陆手机号码 / not a valid mainland China mobile number',
  contactSamePhone: '联系人电话不能与本人手机号相同 / the contact’s number must not be the worker’s own',
  contactIncomplete: '填写家庭联系人时，姓名、关系和电话都必填 / a family contact needs a name, a relation and a phone number',
  villageCode:
    '村代码应为12位数字（省2+市2+县2+乡3+村3，乡、村段不为000） / village code must be 12 digits (2 province + 2 city + 2 county + 3 township + 3 village, township and village parts not 000)',
  siteRequired: '易地扶贫搬迁户须填写安置点 / a relocated household needs its resettlement site',
  householdVillage: (line: number) =>
    `与第${line}行户编号相同但村代码不同 / same household number as line ${line} but a different village code`,
  householdCategory: (line: number) =>
    `与第${line}行户编号相同但户类别不同 / same household number as line ${line} but a different category`,
  householdSite: (line: number) =>
    `与第${line}行户编号相同但安置点不同 / same household number as line ${line} but a different resettlement site`,
  unwilling:
    '“暂时无就业意愿”须有3次以上帮扶记录、本人签字确认和档案（附件1），不能通过导入设置 / "temporarily unwilling" needs 3 assistance records, the worker’s signed confirmation and a dossier (Annex 1) and cannot be imported',
  detailsWithoutStatus:
    '填写了就业单位、地点、行业、收入或参保信息，但未填写就业状态 / employment details are given without an employment status',
  date: '日期无效，应为 YYYY-MM-DD / not a valid date, expected YYYY-MM-DD',
  dateFuture: '日期晚于今天 / the date is in the future',
  wage: '月收入应为0到100万之间的数字（元） / monthly income must be a number of yuan from 0 to 1,000,000',
  regionMissing:
    '村代码在台账中不存在，且本行未填写省、市、县(区)、乡(镇)、村名称 / the village code is not in the ledger and the row gives no region names to create it',
  regionNameRequired:
    '该村在台账中不存在，新建时须填写各级名称 / the village is not in the ledger yet: every level needs its name to create it',
  regionNameMismatch: (known: string) =>
    `与台账中该代码的名称“${known}”不一致 / differs from the ledger's name "${known}" for this code`,
  regionIncomplete:
    '台账中该村的上级区划不完整，请补全各级名称 / the ledger lacks a parent region of this village; give every level name',
  outOfScope: (scope: string) =>
    `村代码不在您的管辖区划（${scope}）内 / the village code is outside your region (${scope} and below)`,
  householdElsewhere:
    '该户编号的户在台账中属于其他区划；请联系该县或管理员办理迁移 / this household belongs to another region; ask that county or an admin to transfer it',
  workerElsewhere:
    '该身份证号的劳动力在台账中属于其他区划；请联系该县或管理员办理迁移 / this worker belongs to another region; ask that county or an admin to transfer it',
  tooLong: (max: number) => `超过${max}个字符 / longer than ${max} characters`,
  unknownValue: (value: string, expected: string) =>
    `无法识别的值${value}，应为：${expected} / unknown value${value ? ` ${value}` : ''}; expected one of: ${expected}`,
} as const;

/** A cell value safe to repeat in a message: nothing that could be a phone or ID number. */
function echo(value: string): string {
  if (/\d{5,}/.test(value)) return '';
  const v = value.length > 20 ? `${value.slice(0, 20)}…` : value;
  return `“${v}”`;
}

const EXPECTED = {
  category: '未脱贫户、监测户、边缘户、易地扶贫搬迁户、其他',
  labor: '普通劳动力、弱劳动力、半劳动力、无劳动力',
  status: '县内就业、省内县外、省外就业、苏陕协作、公益性岗位、自主创业、未就业、返乡、丧失劳动能力',
  relation: '配偶、父母、子女、兄弟姐妹、祖父母、其他',
  bool: '是、否',
};

// ───────────────────────────── Cell parsers ─────────────────────────────

const ID_MESSAGES: Record<IdNumberProblem, string> = {
  length: MSG.idLength,
  characters: MSG.idCharacters,
  province: MSG.idProvince,
  birthDate: MSG.idBirthDate,
  checksum: MSG.idChecksum,
};

/** Common case first: printable ASCII without spaces or CJK ideographs need no folding. */
const PLAIN = /^[\x21-\x7e\u4e00-\u9fff]*$/;

/** Folds full-width characters (NFKC) and runs of whitespace (the ideographic space included). */
function fold(raw: string): string {
  return PLAIN.test(raw) ? raw : raw.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

function enumKey(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

/** Chinese names carry no spaces, but sheets pad two-character names for alignment ("王　伟"). */
function cleanName(raw: string): string {
  const s = fold(raw);
  return /^[\p{Script=Han}·• ]+$/u.test(s) ? s.replace(/ /g, '') : s;
}

/** YYYY-MM-DD from the ways dates are written in sheets, or null. */
export function parseSheetDate(raw: string): string | null {
  const s = fold(raw);
  let y: number;
  let m: number;
  let d: number;
  const written =
    /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (written) {
    y = Number(written[1]);
    m = Number(written[2]);
    d = Number(written[3]);
  } else if (/^\d{5}(\.\d+)?$/.test(s)) {
    // An Excel serial day number (a date cell without its date format): day 25569 is 1970-01-01.
    const date = new Date((Math.floor(Number(s)) - 25569) * 86_400_000);
    y = date.getUTCFullYear();
    m = date.getUTCMonth() + 1;
    d = date.getUTCDate();
  } else {
    return null;
  }
  if (y < 1990 || !isRealDate(y, m, d)) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Yuan as an integer from "3500", "3,500", "3500元", "3500.5"; null when not a number. */
export function parseWage(raw: string): number | null {
  const s = fold(raw).replace(/[\s,，元¥￥]/g, '');
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const n = Math.round(Number(s));
  return n <= 1_000_000 ? n : null;
}

export function splitSkills(raw: string): string[] {
  const out: string[] = [];
  for (const part of raw.normalize('NFKC').split(/[、;；,，/|]+/)) {
    const s = part.replace(/\p{Cc}/gu, '').trim();
    if (s && !out.includes(s)) out.push(s);
  }
  return out;
}

const VILLAGE_CODE = /^\d{12}$/;

// ───────────────────────────── The row ─────────────────────────────

const TEXT_LIMIT = 200;
const NAME_LIMIT = 50;

/**
 * Validates data rows of one file. Remembers ID numbers and households in `ctx.state` to report
 * repeats. One instance per file: the per-row helpers are methods, not closures made per row.
 */
export class RowValidator {
  private row: SheetRow = { line: 0, cells: [] };
  private errors: RowError[] = [];
  private readonly index: Partial<Record<ColumnKey, number>>;

  constructor(private readonly ctx: ValidationContext) {
    this.index = ctx.header.index;
  }

  private fail(key: ColumnKey, message: string): void {
    this.errors.push({ line: this.row.line, key, message });
  }

  private cell(key: ColumnKey): string {
    const i = this.index[key];
    if (i === undefined) return '';
    const v = (this.row.cells[i] ?? '').trim();
    // PostgreSQL text cannot hold NUL; a damaged file must not stop the import.
    return v.includes('\u0000') ? v.replaceAll('\u0000', '') : v;
  }

  private text(key: ColumnKey, limit = TEXT_LIMIT): string | undefined {
    const raw = this.cell(key);
    if (raw === '') return undefined;
    const v = fold(raw);
    if (v.length > limit) {
      this.fail(key, MSG.tooLong(limit));
      return undefined;
    }
    return v;
  }

  private required(key: ColumnKey): string | undefined {
    const v = this.cell(key);
    if (v !== '') return v;
    this.fail(key, MSG.required);
    return undefined;
  }

  private oneOf<T>(key: ColumnKey, values: Map<string, T>, expected: string, isRequired: boolean): T | undefined {
    const raw = isRequired ? this.required(key) : this.cell(key);
    if (!raw) return undefined;
    const v = values.get(raw) ?? values.get(enumKey(raw));
    if (v === undefined) this.fail(key, MSG.unknownValue(echo(raw), expected));
    return v;
  }

  private bool(key: ColumnKey): boolean | undefined {
    return this.oneOf(key, BOOL_VALUES, EXPECTED.bool, false);
  }

  private mobile(key: ColumnKey): string | undefined {
    const raw = this.cell(key);
    if (raw === '') return undefined;
    const e164 = normaliseMobile(raw);
    if (!e164) this.fail(key, MSG.phone);
    return e164 ?? undefined;
  }

  private code(key: ColumnKey): string | undefined {
    const raw = this.required(key);
    return raw === undefined ? undefined : fold(raw).replace(/[\s']/g, '');
  }

  /** Checks one data row: the typed row when it has no error, else its errors (at most one per field). */
  validate(row: SheetRow): { value?: LedgerRow; errors: RowError[] } {
    this.row = row;
    const errors: RowError[] = [];
    this.errors = errors;
    const { ctx } = this;
    const { state } = ctx;
    const line = row.line;

    // Region
    let villageCode = this.code('villageCode');
    if (
      villageCode !== undefined &&
      !(VILLAGE_CODE.test(villageCode) && villageCode.slice(6, 9) !== '000' && villageCode.slice(9) !== '000')
    ) {
      this.fail('villageCode', MSG.villageCode);
      villageCode = undefined;
    } else if (villageCode !== undefined && ctx.scopeCode !== undefined && !villageCode.startsWith(ctx.scopeCode)) {
      this.fail('villageCode', MSG.outOfScope(ctx.scopeCode));
      villageCode = undefined;
    }
    const regionNames = REGION_NAME_KEYS.map((k) => this.text(k, NAME_LIMIT));

    // Household
    const householdCode = this.code('householdCode');
    const category = this.oneOf('category', CATEGORY_VALUES, EXPECTED.category, true);
    const siteName = this.text('site');
    if (category === 'RELOCATED' && !siteName) this.fail('site', MSG.siteRequired);
    const headNameRaw = this.text('headName', NAME_LIMIT);
    const address = this.text('address');

    // Worker
    const nameRaw = this.required('name');
    const name = nameRaw === undefined ? undefined : cleanName(nameRaw);
    if (name !== undefined && name.length > NAME_LIMIT) this.fail('name', MSG.tooLong(NAME_LIMIT));

    let identity: { idHash: string; idLast4: string; gender: 'M' | 'F'; birthYear: number } | undefined;
    const idRaw = this.required('idNumber');
    const idIndex = this.index.idNumber;
    if (idRaw !== undefined) {
      if (idIndex !== undefined && row.numeric?.has(idIndex)) {
        this.fail('idNumber', MSG.idStoredAsNumber);
      } else {
        const parsed = parseIdNumber(idRaw, ctx.today);
        if (!parsed.ok) {
          this.fail('idNumber', ID_MESSAGES[parsed.problem]);
        } else {
          const idHash = hashIdNumber(parsed.id, ctx.idHashKey);
          const seenKey = detached(idHash.slice(0, 24));
          const firstLine = state.ids.get(seenKey);
          if (firstLine !== undefined) this.fail('idNumber', MSG.duplicateId(firstLine));
          else state.ids.set(seenKey, line);
          identity = { idHash, idLast4: idLast4(parsed.id), gender: parsed.gender, birthYear: parsed.birthYear };
        }
      }
    }

    const phone = this.mobile('phone');
    const laborCapacity = this.oneOf('laborCapacity', LABOR_VALUES, EXPECTED.labor, true);
    const willingToWorkAway = this.bool('willingToWorkAway');
    const skillsRaw = this.cell('skills');
    const skills = skillsRaw === '' ? undefined : splitSkills(skillsRaw);
    if (skills?.some((s) => s.length > NAME_LIMIT)) this.fail('skills', MSG.tooLong(NAME_LIMIT));
    const isReturnee = this.bool('returnee');
    const needsVoice = this.bool('needsVoice');
    const countyConfirmed = this.bool('countyConfirmed');

    // Employment status
    const status = this.oneOf('status', STATUS_VALUES, EXPECTED.status, false);
    if (status === 'TEMPORARILY_UNWILLING') this.fail('status', MSG.unwilling);
    const employer = this.text('employer');
    const place = this.text('place');
    const industry = this.text('industry');
    const reason = this.text('reason');
    const wageRaw = this.cell('monthlyWage');
    let monthlyWage: number | undefined;
    if (wageRaw !== '') {
      const w = parseWage(wageRaw);
      if (w === null) this.fail('monthlyWage', MSG.wage);
      else monthlyWage = w;
    }
    const insured = this.bool('insured');
    const dateRaw = this.cell('statusDate');
    let statusDate: string | undefined;
    if (dateRaw !== '') {
      const d = parseSheetDate(dateRaw);
      if (d === null) this.fail('statusDate', MSG.date);
      else if (d > ctx.today) this.fail('statusDate', MSG.dateFuture);
      else statusDate = d;
    }
    const hasDetails =
      employer !== undefined || place !== undefined || industry !== undefined || wageRaw !== '' || this.cell('insured') !== '';
    if (hasDetails && this.cell('status') === '') this.fail('status', MSG.detailsWithoutStatus);

    // Family contact
    let contact: LedgerRow['contact'];
    const contactNameRaw = this.cell('contactName');
    const contactRelationRaw = this.cell('contactRelation');
    const contactPhoneRaw = this.cell('contactPhone');
    if (contactNameRaw || contactRelationRaw || contactPhoneRaw) {
      if (!contactNameRaw) this.fail('contactName', MSG.contactIncomplete);
      if (!contactRelationRaw) this.fail('contactRelation', MSG.contactIncomplete);
      if (!contactPhoneRaw) this.fail('contactPhone', MSG.contactIncomplete);
      const relation = this.oneOf('contactRelation', RELATION_VALUES, EXPECTED.relation, false);
      const contactPhone = this.mobile('contactPhone');
      if (contactPhone && phone && contactPhone === phone) this.fail('contactPhone', MSG.contactSamePhone);
      const contactName = contactNameRaw ? cleanName(contactNameRaw) : undefined;
      if (contactName && contactName.length > NAME_LIMIT) this.fail('contactName', MSG.tooLong(NAME_LIMIT));
      if (contactName && relation && contactPhone) contact = { name: contactName, relation, phone: contactPhone };
    }

    // The same household number must mean the same household throughout the file.
    if (householdCode !== undefined && villageCode !== undefined && category !== undefined && errors.length === 0) {
      const seen = state.households.get(householdCode);
      if (seen === undefined) {
        state.households.set(
          detached(householdCode),
          detached(`${line}\u0001${villageCode}\u0001${category}\u0001${siteName ?? ''}`),
        );
      } else {
        const [firstLine, v, c, s] = seen.split('\u0001');
        const first = Number(firstLine);
        if (v !== villageCode) this.fail('villageCode', MSG.householdVillage(first));
        else if (c !== category) this.fail('category', MSG.householdCategory(first));
        else if ((s ?? '') !== (siteName ?? '')) this.fail('site', MSG.householdSite(first));
      }
    }

    if (errors.length > 0) return { errors };
    // Every required value is present when there is no error; this only narrows the types.
    if (!villageCode || !householdCode || !category || !name || !identity || !laborCapacity) return { errors };

    const value: LedgerRow = {
      line,
      villageCode,
      regionNames,
      household: { code: householdCode, headName: headNameRaw && cleanName(headNameRaw), category, siteName, address },
      worker: {
        name,
        ...identity,
        phone,
        laborCapacity,
        willingToWorkAway,
        skills,
        isReturnee,
        needsVoice,
        countyConfirmed,
      },
      contact,
    };
    if (status !== undefined) {
      value.status = {
        status,
        employer,
        place,
        industry,
        monthlyWage,
        insured,
        reason,
        effectiveDate: statusDate ?? ctx.today,
      };
    }
    return { value, errors };
  }
}
