/**
 * The columns of the county ledger sheet (one row per worker) and how a header row maps to them.
 * Headers are matched after folding full-width characters, dropping spaces and a leading or
 * trailing "*" (templates mark required columns that way) and lower-casing; columns not listed
 * here (序号, 备注, …) are ignored.
 */

export type ColumnKey =
  | 'villageCode'
  | 'provinceName'
  | 'cityName'
  | 'countyName'
  | 'townshipName'
  | 'villageName'
  | 'householdCode'
  | 'headName'
  | 'category'
  | 'site'
  | 'address'
  | 'name'
  | 'idNumber'
  | 'phone'
  | 'laborCapacity'
  | 'willingToWorkAway'
  | 'skills'
  | 'returnee'
  | 'needsVoice'
  | 'countyConfirmed'
  | 'status'
  | 'employer'
  | 'place'
  | 'industry'
  | 'monthlyWage'
  | 'insured'
  | 'reason'
  | 'statusDate'
  | 'contactName'
  | 'contactRelation'
  | 'contactPhone';

export interface ColumnSpec {
  key: ColumnKey;
  /** The header written by `generate` and shown in messages when the file lacks the column. */
  zh: string;
  /** English header, also accepted. */
  en: string;
  /** Other Chinese spellings seen in county sheets. */
  aliases: string[];
  required: boolean;
  meaning: string;
}

export const COLUMNS: readonly ColumnSpec[] = [
  {
    key: 'villageCode',
    zh: '村代码',
    en: 'village_code',
    aliases: ['区划代码', '统计用区划代码', '村级区划代码', '行政区划代码'],
    required: true,
    meaning: '12-digit statistical code of the village (2 province + 2 city + 2 county + 3 township + 3 village)',
  },
  {
    key: 'provinceName',
    zh: '省',
    en: 'province',
    aliases: ['省份', '省(区、市)'],
    required: false,
    meaning: 'Province name; the five names are needed when the village is not yet in the ledger',
  },
  {
    key: 'cityName',
    zh: '市',
    en: 'city',
    aliases: ['市(州)', '地市', '市州'],
    required: false,
    meaning: 'City (prefecture) name',
  },
  {
    key: 'countyName',
    zh: '县(区)',
    en: 'county',
    aliases: ['县', '区县', '县区', '县(市、区)', '县(市区)'],
    required: false,
    meaning: 'County or district name',
  },
  {
    key: 'townshipName',
    zh: '乡(镇)',
    en: 'township',
    aliases: ['乡镇', '乡镇(街道)', '乡(镇、街道)'],
    required: false,
    meaning: 'Township name',
  },
  {
    key: 'villageName',
    zh: '村',
    en: 'village',
    aliases: ['村(社区)', '行政村', '村名'],
    required: false,
    meaning: 'Village or community name',
  },
  {
    key: 'householdCode',
    zh: '户编号',
    en: 'household_code',
    aliases: ['户码', '户号'],
    required: true,
    meaning: 'Household number from the county ledger; rows with the same number form one household',
  },
  {
    key: 'headName',
    zh: '户主姓名',
    en: 'head_name',
    aliases: ['户主'],
    required: false,
    meaning: 'Name of the head of household',
  },
  {
    key: 'category',
    zh: '户类别',
    en: 'household_category',
    aliases: ['户类型', '户属性'],
    required: true,
    meaning: '未脱贫户 / 监测户 / 边缘户 / 易地扶贫搬迁户 / 其他',
  },
  {
    key: 'site',
    zh: '安置点',
    en: 'resettlement_site',
    aliases: ['安置点名称', '安置区'],
    required: false,
    meaning: 'Resettlement site name; required for 易地扶贫搬迁户',
  },
  { key: 'address', zh: '住址', en: 'address', aliases: ['家庭住址', '现住址'], required: false, meaning: 'Household address' },
  { key: 'name', zh: '姓名', en: 'name', aliases: ['劳动力姓名'], required: true, meaning: "Worker's name" },
  {
    key: 'idNumber',
    zh: '身份证号',
    en: 'id_number',
    aliases: ['身份证号码', '公民身份号码', '证件号码'],
    required: true,
    meaning: '18-character resident ID number (checksum verified; stored only as a keyed hash + last 4)',
  },
  {
    key: 'phone',
    zh: '手机号',
    en: 'phone',
    aliases: ['手机号码', '联系电话', '本人电话'],
    required: false,
    meaning: 'Mainland mobile number; stored as +86…',
  },
  {
    key: 'laborCapacity',
    zh: '劳动能力',
    en: 'labor_capacity',
    aliases: [],
    required: true,
    meaning: '普通劳动力 / 弱劳动力 / 半劳动力 / 无劳动力',
  },
  {
    key: 'willingToWorkAway',
    zh: '外出务工意愿',
    en: 'willing_to_work_away',
    aliases: ['是否有外出务工意愿', '外出意愿'],
    required: false,
    meaning: '是 / 否',
  },
  {
    key: 'skills',
    zh: '技能',
    en: 'skills',
    aliases: ['技能特长', '职业技能'],
    required: false,
    meaning: 'Skills separated by 、 or ;',
  },
  {
    key: 'returnee',
    zh: '是否回流',
    en: 'returnee',
    aliases: ['回流人员', '是否回流人员'],
    required: false,
    meaning: '是 / 否: came home after losing work away (回流人员)',
  },
  {
    key: 'needsVoice',
    zh: '需要语音',
    en: 'needs_voice',
    aliases: ['是否需要语音'],
    required: false,
    meaning: '是 / 否: cannot read, call instead of texting',
  },
  {
    key: 'countyConfirmed',
    zh: '县级确认',
    en: 'county_confirmed',
    aliases: ['县级认定', '是否县级确认'],
    required: false,
    meaning: '是 / 否: county staff confirmed this person counts as a worker (§3)',
  },
  {
    key: 'status',
    zh: '就业状态',
    en: 'employment_status',
    aliases: ['就业情况'],
    required: false,
    meaning: '县内就业 / 省内县外 / 省外就业 / 苏陕协作 / 公益性岗位 / 自主创业 / 未就业 / 返乡 / 丧失劳动能力',
  },
  { key: 'employer', zh: '就业单位', en: 'employer', aliases: ['务工单位', '工作单位'], required: false, meaning: 'Employer' },
  { key: 'place', zh: '就业地点', en: 'place', aliases: ['务工地点', '务工地'], required: false, meaning: 'Place of work' },
  { key: 'industry', zh: '行业', en: 'industry', aliases: ['从事行业', '务工行业'], required: false, meaning: 'Industry' },
  {
    key: 'monthlyWage',
    zh: '月收入',
    en: 'monthly_wage',
    aliases: ['月收入(元)', '月工资', '月均收入'],
    required: false,
    meaning: 'Monthly income in yuan',
  },
  {
    key: 'insured',
    zh: '是否参保',
    en: 'insured',
    aliases: ['参保情况', '是否参加社会保险'],
    required: false,
    meaning: '是 / 否: covered by social insurance',
  },
  { key: 'reason', zh: '未就业原因', en: 'reason', aliases: ['原因'], required: false, meaning: 'Why not employed (free text)' },
  {
    key: 'statusDate',
    zh: '状态日期',
    en: 'status_date',
    aliases: ['更新日期', '信息采集日期'],
    required: false,
    meaning: 'Date the status was found, YYYY-MM-DD; empty = the import day',
  },
  {
    key: 'contactName',
    zh: '家庭联系人',
    en: 'contact_name',
    aliases: ['联系人', '联系人姓名'],
    required: false,
    meaning: 'Family member who may confirm on the worker’s behalf (家人代签)',
  },
  {
    key: 'contactRelation',
    zh: '联系人关系',
    en: 'contact_relation',
    aliases: ['与本人关系'],
    required: false,
    meaning: '配偶 / 父母 / 子女 / 兄弟姐妹 / 祖父母 / 其他',
  },
  {
    key: 'contactPhone',
    zh: '联系人电话',
    en: 'contact_phone',
    aliases: ['联系人手机号'],
    required: false,
    meaning: "Family contact's mainland mobile number",
  },
];

export const COLUMN_BY_KEY = new Map<ColumnKey, ColumnSpec>(COLUMNS.map((c) => [c.key, c]));

/** The region-name columns, province first. */
export const REGION_NAME_KEYS = ['provinceName', 'cityName', 'countyName', 'townshipName', 'villageName'] as const;

export function normaliseHeader(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/^\*+|\*+$/g, '')
    .toLowerCase();
}

const HEADER_LOOKUP = new Map<string, ColumnKey>();
for (const c of COLUMNS) {
  for (const h of [c.zh, c.en, ...c.aliases]) HEADER_LOOKUP.set(normaliseHeader(h), c.key);
}

/** Where each known column sits in a file, and the header text the file uses for it. */
export interface HeaderMap {
  /** Line of the header row (1 unless title rows precede it). */
  line: number;
  index: Partial<Record<ColumnKey, number>>;
  label: Partial<Record<ColumnKey, string>>;
}

export type HeaderResult =
  | { ok: true; header: HeaderMap }
  | { ok: false; missing: ColumnKey[]; duplicated: string[]; matched: number };

/** Maps a header row to columns: fails when a required column is missing or one appears twice. */
export function resolveHeader(cells: readonly string[], line: number): HeaderResult {
  const header: HeaderMap = { line, index: {}, label: {} };
  const duplicated: string[] = [];
  let matched = 0;
  cells.forEach((cell, i) => {
    const key = HEADER_LOOKUP.get(normaliseHeader(cell));
    if (!key) return;
    matched++;
    if (header.index[key] !== undefined) {
      duplicated.push(cell.trim());
      return;
    }
    header.index[key] = i;
    header.label[key] = cell.trim();
  });
  const missing = COLUMNS.filter((c) => c.required && header.index[c.key] === undefined).map((c) => c.key);
  if (missing.length > 0 || duplicated.length > 0) return { ok: false, missing, duplicated, matched };
  return { ok: true, header };
}

/** The header a message should name for a column: the file's own text, else the canonical one. */
export function columnLabel(header: HeaderMap, key: ColumnKey): string {
  return header.label[key] ?? COLUMN_BY_KEY.get(key)?.zh ?? key;
}

/** Canonical header row, as written by `generate`. */
export const CANONICAL_HEADER: readonly string[] = COLUMNS.map((c) => c.zh);
