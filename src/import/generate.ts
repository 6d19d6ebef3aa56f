/**
 * Synthetic province for trials and benchmarks: a ledger sheet in the import format with
 * Shaanxi-like region codes, plausible Chinese names, valid (fictional) ID numbers and mobile
 * numbers, households of 1-5 workers, a mix of categories and statuses (zero-employment and
 * relocated households included) and some family contacts. Deterministic for a given seed, and
 * written as a stream: memory does not grow with the number of workers.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import ExcelJS from 'exceljs';
import { makeIdNumber } from '../ledger/identity.js';
import { CANONICAL_HEADER, COLUMNS, type ColumnKey } from './columns.js';
import { chinaDate } from './import-ledger.js';
import { type CountySeed, syntheticCounties } from './synthetic-regions.js';

export interface GenerateOptions {
  workers: number;
  counties: number;
  /** Same seed, same file. */
  seed?: string | number;
  /** Default: from the file name (.xlsx → xlsx, else csv). */
  format?: 'csv' | 'xlsx';
  /** Status dates are drawn from the 60 days before this day (default today). */
  today?: Date;
}

export interface GenerateSummary {
  path: string;
  format: 'csv' | 'xlsx';
  workers: number;
  households: number;
  counties: number;
  townships: number;
  villages: number;
  familyContacts: number;
  zeroEmploymentHouseholds: number;
}

// ───────────────────────────── Randomness ─────────────────────────────

/** mulberry32 seeded from a string hash (FNV-1a): small, fast, reproducible. */
function createRandom(seed: string | number): () => number {
  let h = 0x811c9dc5;
  for (const ch of String(seed)) {
    h ^= ch.codePointAt(0) as number;
    h = Math.imul(h, 0x01000193);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  constructor(private readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }
}

// ───────────────────────────── Vocabulary ─────────────────────────────

const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 8],
  ['李', 8],
  ['张', 7],
  ['刘', 6],
  ['陈', 5],
  ['杨', 5],
  ['赵', 3],
  ['黄', 2],
  ['周', 3],
  ['吴', 2],
  ['徐', 2],
  ['孙', 2],
  ['马', 3],
  ['朱', 2],
  ['胡', 2],
  ['郭', 2],
  ['何', 2],
  ['高', 2],
  ['罗', 1],
  ['郑', 1],
  ['梁', 1],
  ['谢', 1],
  ['宋', 1],
  ['唐', 1],
  ['韩', 1],
  ['冯', 1],
  ['邓', 1],
  ['曹', 1],
  ['彭', 1],
  ['田', 2],
  ['董', 1],
  ['袁', 1],
  ['贾', 1],
  ['杜', 1],
  ['魏', 1],
  ['吕', 1],
  ['任', 1],
  ['姚', 1],
  ['汪', 1],
  ['雷', 1],
  ['侯', 1],
  ['白', 1],
  ['段', 1],
  ['闫', 1],
  ['薛', 1],
  ['樊', 1],
  ['党', 1],
  ['寇', 1],
  ['屈', 1],
  ['柯', 1],
];
const MALE_CHARS = [...'伟强军平刚勇杰涛明超斌辉鹏华建国文武波峰磊海林兵宏亮成龙俊东新红卫金全德福贵发'];
const FEMALE_CHARS = [...'芳娟敏静丽艳霞燕玲梅英慧萍琴兰凤秀云莉娜婷雪花玉珍桂春翠荣'];
const PLACE_CHARS = [...'东西南北上下大小新老高前后中安平和兴太长永石河沟坪坝湾岭川峪庄铺店桥营寨园林塬梁峁关口坡台'];
const TOWNSHIP_SUFFIX: readonly (readonly [string, number])[] = [
  ['镇', 4],
  ['乡', 1],
];
const VILLAGE_SUFFIX: readonly (readonly [string, number])[] = [
  ['村', 9],
  ['社区', 1],
];
const SITE_SUFFIX = ['安置小区', '移民搬迁安置点', '社区安置点'] as const;

const PHONE_PREFIXES = [
  '134',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '157',
  '158',
  '159',
  '182',
  '183',
  '187',
  '188',
  '130',
  '131',
  '132',
  '155',
  '156',
  '185',
  '186',
  '133',
  '153',
  '180',
  '181',
  '189',
  '177',
  '199',
] as const;

const SKILLS = [
  '电工',
  '焊工',
  '厨师',
  '家政服务',
  '育婴员',
  '养老护理',
  '挖掘机操作',
  '汽车驾驶',
  '砌筑工',
  '钢筋工',
  '缝纫',
  '电子装配',
  '茶叶加工',
  '中式面点',
  '食用菌种植',
  '生猪养殖',
] as const;

const INDUSTRIES = ['制造业', '建筑业', '住宿和餐饮业', '批发和零售业', '居民服务业', '交通运输业', '农林牧渔业'] as const;
const LOCAL_EMPLOYERS = [
  '新社区工厂',
  '毛绒玩具厂',
  '茶业有限公司',
  '农业专业合作社',
  '建筑工程有限公司',
  '电子科技有限公司',
  '食品有限公司',
  '魔芋加工厂',
] as const;
const PROVINCE_PLACES = ['西安市', '咸阳市', '宝鸡市', '榆林市', '渭南市', '汉中市', '延安市'] as const;
const OUT_PLACES = [
  '广东省东莞市',
  '广东省深圳市',
  '浙江省宁波市',
  '浙江省义乌市',
  '福建省晋江市',
  '北京市',
  '上海市',
  '新疆维吾尔自治区昌吉市',
  '山西省太原市',
] as const;
const JIANGSU_PLACES = [
  '江苏省苏州市',
  '江苏省无锡市',
  '江苏省常州市',
  '江苏省南京市',
  '江苏省扬州市',
  '江苏省镇江市',
  '江苏省泰州市',
  '江苏省南通市',
  '江苏省徐州市',
] as const;
const FIRM_WORDS = ['电子', '精密机械', '服装', '食品', '物流', '建设', '光电', '纺织'] as const;
const POSTS = ['护林员', '保洁员', '护路员', '水管员', '村级信息员'] as const;
const UNEMPLOYED_REASONS = ['需照顾老人小孩', '缺乏技能', '暂无合适岗位', '身体原因', '农忙在家'] as const;
const RETURN_REASONS = ['企业减员', '合同到期', '疫情影响返乡', '照顾家人'] as const;

type Category = '未脱贫户' | '监测户' | '边缘户' | '易地扶贫搬迁户' | '其他';
const CATEGORIES: readonly (readonly [Category, number])[] = [
  ['未脱贫户', 30],
  ['监测户', 22],
  ['边缘户', 16],
  ['易地扶贫搬迁户', 22],
  ['其他', 10],
];

type Status =
  | '县内就业'
  | '省内县外'
  | '省外就业'
  | '苏陕协作'
  | '公益性岗位'
  | '自主创业'
  | '未就业'
  | '返乡'
  | '丧失劳动能力'
  | '';
const WORKING_STATUSES: readonly (readonly [Status, number])[] = [
  ['县内就业', 18],
  ['省内县外', 14],
  ['省外就业', 20],
  ['苏陕协作', 6],
  ['公益性岗位', 6],
  ['自主创业', 5],
  ['未就业', 16],
  ['返乡', 7],
  ['', 8],
];

// ───────────────────────────── Places ─────────────────────────────

interface Village {
  code: string;
  name: string;
  townshipName: string;
  households: number;
}

interface County extends CountySeed {
  villages: Village[];
  townships: number;
  sites: string[];
}

function placeName(dice: Dice, taken: Set<string>, suffix: string): string {
  for (let attempt = 0; ; attempt++) {
    const len = attempt < 20 ? 2 : 3;
    let base = '';
    for (let i = 0; i < len; i++) base += dice.pick(PLACE_CHARS);
    const name = base + suffix;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

function buildCounty(seed: CountySeed, workers: number, dice: Dice): County {
  const villagesNeeded = Math.max(3, Math.ceil(workers / 120));
  const townships = Math.min(899, Math.max(1, Math.ceil(villagesNeeded / 12)));
  const perTownship = Math.min(799, Math.ceil(villagesNeeded / townships));
  const townshipNames = new Set<string>();
  const villages: Village[] = [];
  const townshipList: string[] = [];
  for (let t = 0; t < townships; t++) {
    const townshipName = placeName(dice, townshipNames, dice.weighted(TOWNSHIP_SUFFIX));
    townshipList.push(townshipName);
    const townshipCode = `${seed.code}${String(100 + t).padStart(3, '0')}`;
    const villageNames = new Set<string>();
    for (let v = 0; v < perTownship; v++) {
      villages.push({
        code: `${townshipCode}${String(200 + v).padStart(3, '0')}`,
        name: placeName(dice, villageNames, dice.weighted(VILLAGE_SUFFIX)),
        townshipName,
        households: 0,
      });
    }
  }
  const sites = [0, 1].map(() => `${dice.pick(townshipList)}${dice.pick(PLACE_CHARS)}${dice.pick(SITE_SUFFIX)}`);
  return { ...seed, villages, townships, sites: [...new Set(sites)] };
}

// ───────────────────────────── People ─────────────────────────────

interface Person {
  name: string;
  gender: 'M' | 'F';
  age: number;
  id: string;
  phone: string;
  role: 'head' | 'spouse' | 'child' | 'parent';
}

/** What `other` is to `self`, in the sheet's words. */
function relationOf(self: Person['role'], other: Person['role']): string {
  const key = `${self}>${other}`;
  const table: Record<string, string> = {
    'head>spouse': '配偶',
    'spouse>head': '配偶',
    'child>head': '父母',
    'child>spouse': '父母',
    'head>child': '子女',
    'spouse>child': '子女',
    'head>parent': '父母',
    'parent>head': '子女',
    'child>child': '兄弟姐妹',
    'child>parent': '祖父母',
  };
  return table[key] ?? '其他';
}

function personName(dice: Dice, surname: string, gender: 'M' | 'F'): string {
  const chars = gender === 'M' ? MALE_CHARS : FEMALE_CHARS;
  const given = dice.chance(0.75) ? dice.pick(chars) + dice.pick(chars) : dice.pick(chars);
  return surname + given;
}

/**
 * Mobile number segments (the first 7 digits, 号段) are allocated to cities, so the people of one
 * county mostly share a few thousand of them: each city gets its own pool.
 */
function segmentPool(dice: Dice): string[] {
  const pool: string[] = [];
  for (let i = 0; i < 1500; i++) pool.push(dice.pick(PHONE_PREFIXES) + String(dice.int(0, 9999)).padStart(4, '0'));
  return pool;
}

function phoneNumber(dice: Dice, segments: readonly string[]): string {
  return dice.pick(segments) + String(dice.int(0, 9999)).padStart(4, '0');
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// ───────────────────────────── Rows ─────────────────────────────

const COLUMN_INDEX = new Map<ColumnKey, number>(COLUMNS.map((c, i) => [c.key, i]));

function emptyRow(): string[] {
  return new Array<string>(COLUMNS.length).fill('');
}

function set(row: string[], key: ColumnKey, value: string): void {
  row[COLUMN_INDEX.get(key) as number] = value;
}

interface Counters {
  households: number;
  contacts: number;
  zero: number;
}

/** Yields the rows (header excluded) of the synthetic province. */
function* provinceRows(opts: GenerateOptions, counters: Counters, places: { townships: number; villages: number }) {
  const dice = new Dice(createRandom(opts.seed ?? 1));
  const today = chinaDate(opts.today ?? new Date());
  const thisYear = Number(today.slice(0, 4));
  const seeds = syntheticCounties(opts.counties);
  let remainingWorkers = opts.workers;
  const cityPhones = new Map<string, string[]>();

  for (let ci = 0; ci < seeds.length; ci++) {
    const countyWorkers = Math.ceil(remainingWorkers / (seeds.length - ci));
    remainingWorkers -= countyWorkers;
    const county = buildCounty(seeds[ci] as CountySeed, countyWorkers, dice);
    places.townships += county.townships;
    places.villages += county.villages.length;
    let segments = cityPhones.get(county.cityCode);
    if (!segments) {
      segments = segmentPool(dice);
      cityPhones.set(county.cityCode, segments);
    }
    const phones = segments;
    /** birth date + sequence pairs used in this county: ID numbers must be unique. */
    const usedIds = new Set<number>();

    const makeId = (gender: 'M' | 'F', age: number): string => {
      for (;;) {
        const birth = addDays(`${thisYear - age}-01-01`, -dice.int(0, 364));
        let seq = dice.int(0, 999);
        if ((seq % 2 === 1) !== (gender === 'M')) seq = seq === 999 ? 998 : seq + 1;
        const key = Number(birth.replaceAll('-', '')) * 1000 + seq;
        if (usedIds.has(key)) continue;
        usedIds.add(key);
        return makeIdNumber(county.code, birth, seq);
      }
    };

    let left = countyWorkers;
    while (left > 0) {
      const size = Math.min(
        left,
        dice.weighted([
          [1, 20],
          [2, 35],
          [3, 25],
          [4, 13],
          [5, 7],
        ] as const),
      );
      left -= size;
      counters.households++;
      const village = dice.pick(county.villages);
      village.households++;
      const householdCode = `${village.code}${String(village.households).padStart(4, '0')}`;
      const category = dice.weighted(CATEGORIES);
      const site = category === '易地扶贫搬迁户' ? dice.pick(county.sites) : '';
      const surname = dice.weighted(SURNAMES);

      // Members: head, then spouse, children or an elderly parent.
      const members: Person[] = [];
      const headGender: 'M' | 'F' = dice.chance(0.8) ? 'M' : 'F';
      const headAge = dice.int(28, 60);
      for (let m = 0; m < size; m++) {
        let role: Person['role'];
        let gender: 'M' | 'F';
        let age: number;
        if (m === 0) {
          role = 'head';
          gender = headGender;
          age = headAge;
        } else if (m === 1 && dice.chance(0.8)) {
          role = 'spouse';
          gender = headGender === 'M' ? 'F' : 'M';
          age = Math.max(20, headAge + dice.int(-5, 3));
        } else if (dice.chance(0.2)) {
          role = 'parent';
          gender = dice.chance(0.5) ? 'M' : 'F';
          age = Math.min(75, headAge + dice.int(22, 30));
        } else {
          role = 'child';
          gender = dice.chance(0.5) ? 'M' : 'F';
          age = Math.max(16, Math.min(headAge - 18, dice.int(16, 32)));
        }
        const name = personName(dice, role === 'spouse' || role === 'parent' ? dice.weighted(SURNAMES) : surname, gender);
        const hasPhone = dice.chance(age >= 60 ? 0.5 : 0.9);
        members.push({ name, gender, age, id: makeId(gender, age), phone: hasPhone ? phoneNumber(dice, phones) : '', role });
      }

      // A few households have labour and nobody employed (零就业户).
      const forceZero = dice.chance(0.06);
      let employed = 0;
      let labour = 0;
      const rows: string[][] = [];
      for (const p of members) {
        const row = emptyRow();
        set(row, 'villageCode', village.code);
        set(row, 'provinceName', '陕西省');
        set(row, 'cityName', county.cityName);
        set(row, 'countyName', county.name);
        set(row, 'townshipName', village.townshipName);
        set(row, 'villageName', village.name);
        set(row, 'householdCode', householdCode);
        set(row, 'headName', (members[0] as Person).name);
        set(row, 'category', category);
        set(row, 'site', site);
        set(row, 'address', `${village.townshipName}${village.name}${dice.int(1, 9)}组`);
        set(row, 'name', p.name);
        set(row, 'idNumber', p.id);
        set(row, 'phone', p.phone);

        const labor =
          p.age >= 65
            ? dice.weighted([
                ['半劳动力', 4],
                ['无劳动力', 6],
              ] as const)
            : p.age >= 56
              ? dice.weighted([
                  ['普通劳动力', 55],
                  ['弱劳动力', 35],
                  ['无劳动力', 10],
                ] as const)
              : dice.weighted([
                  ['普通劳动力', 88],
                  ['弱劳动力', 6],
                  ['半劳动力', 3],
                  ['无劳动力', 3],
                ] as const);
        set(row, 'laborCapacity', labor);
        if (labor !== '无劳动力') labour++;

        let status: Status;
        if (labor === '无劳动力') status = dice.chance(0.7) ? '丧失劳动能力' : '';
        else if (forceZero) status = dice.chance(0.75) ? '未就业' : '返乡';
        else status = dice.weighted(WORKING_STATUSES);
        if (['县内就业', '省内县外', '省外就业', '苏陕协作', '公益性岗位', '自主创业'].includes(status)) employed++;
        set(row, 'status', status);
        if (status) set(row, 'statusDate', addDays(today, -dice.int(0, 60)));

        const wage = (min: number, max: number) => String(Math.round(dice.int(min, max) / 100) * 100);
        const countyShort = county.name.replace(/[县区]$/, '');
        switch (status) {
          case '县内就业':
            set(row, 'employer', `${countyShort}${dice.pick(LOCAL_EMPLOYERS)}`);
            set(row, 'place', `陕西省${county.cityName}${county.name}`);
            set(row, 'industry', dice.pick(INDUSTRIES));
            set(row, 'monthlyWage', wage(1800, 4000));
            set(row, 'insured', dice.chance(0.6) ? '是' : '否');
            break;
          case '省内县外': {
            const city = dice.pick(PROVINCE_PLACES);
            set(row, 'employer', `${city.replace('市', '')}${dice.pick(FIRM_WORDS)}有限公司`);
            set(row, 'place', `陕西省${city}`);
            set(row, 'industry', dice.pick(INDUSTRIES));
            set(row, 'monthlyWage', wage(2500, 5500));
            set(row, 'insured', dice.chance(0.7) ? '是' : '否');
            break;
          }
          case '省外就业':
          case '苏陕协作': {
            const place = dice.pick(status === '苏陕协作' ? JIANGSU_PLACES : OUT_PLACES);
            const city = place.replace(/^.*?(省|自治区)/, '').replace('市', '');
            set(row, 'employer', `${city}${dice.pick(FIRM_WORDS)}有限公司`);
            set(row, 'place', place);
            set(row, 'industry', dice.pick(INDUSTRIES));
            set(row, 'monthlyWage', wage(3500, 7500));
            set(row, 'insured', dice.chance(0.75) ? '是' : '否');
            break;
          }
          case '公益性岗位':
            set(row, 'employer', `${village.townshipName}人民政府（${dice.pick(POSTS)}）`);
            set(row, 'place', `${village.townshipName}${village.name}`);
            set(row, 'industry', '公共管理');
            set(row, 'monthlyWage', wage(500, 1000));
            set(row, 'insured', '否');
            break;
          case '自主创业':
            set(row, 'employer', '个体经营');
            set(row, 'place', `${village.townshipName}${village.name}`);
            set(row, 'industry', dice.pick(['农林牧渔业', '批发和零售业', '住宿和餐饮业'] as const));
            set(row, 'monthlyWage', wage(1500, 6000));
            break;
          case '未就业':
            set(row, 'reason', dice.pick(UNEMPLOYED_REASONS));
            break;
          case '返乡':
            set(row, 'reason', dice.pick(RETURN_REASONS));
            break;
          default:
            break;
        }

        if (labor !== '无劳动力' && p.age < 60) {
          set(
            row,
            'willingToWorkAway',
            dice.weighted([
              ['是', 45],
              ['否', 35],
              ['', 20],
            ] as const),
          );
        }
        const skillCount =
          labor === '无劳动力'
            ? 0
            : dice.weighted([
                [0, 5],
                [1, 4],
                [2, 1],
              ] as const);
        const skills = new Set<string>();
        for (let s = 0; s < skillCount; s++) skills.add(dice.pick(SKILLS));
        set(row, 'skills', [...skills].join('、'));
        set(row, 'returnee', status === '返乡' || dice.chance(0.04) ? '是' : '否');
        set(row, 'needsVoice', dice.chance(p.age >= 55 ? 0.25 : 0.03) ? '是' : '否');
        set(row, 'countyConfirmed', dice.chance(0.92) ? '是' : '');

        // Family contact: likelier for those working away, who are hard to reach.
        const away = status === '省外就业' || status === '苏陕协作' || status === '省内县外';
        if (dice.chance(away ? 0.7 : 0.2)) {
          const relative = members.find((o) => o !== p && o.phone && o.phone !== p.phone);
          if (relative) {
            const relation = relationOf(p.role, relative.role);
            set(row, 'contactName', relative.name);
            set(row, 'contactRelation', relation);
            set(row, 'contactPhone', relative.phone);
          } else {
            set(row, 'contactName', personName(dice, surname, dice.chance(0.5) ? 'M' : 'F'));
            set(row, 'contactRelation', dice.pick(['兄弟姐妹', '其他'] as const));
            set(row, 'contactPhone', phoneNumber(dice, phones));
          }
          counters.contacts++;
        }
        rows.push(row);
      }
      if (labour > 0 && employed === 0) counters.zero++;
      yield* rows;
    }
  }
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

async function writeCsv(path: string, header: readonly string[], rows: Iterable<string[]>): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  // A BOM so that Excel opens the Chinese text as UTF-8.
  let chunk = `\ufeff${header.map(csvCell).join(',')}\r\n`;
  for (const row of rows) {
    chunk += `${row.map(csvCell).join(',')}\r\n`;
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await done;
}

async function writeXlsx(path: string, header: readonly string[], rows: Iterable<string[]>): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet('台账');
  sheet.addRow([...header]).commit();
  let n = 0;
  for (const row of rows) {
    sheet.addRow(row).commit();
    // Let the zip stream drain now and then.
    if (++n % 5000 === 0) await new Promise((r) => setImmediate(r));
  }
  sheet.commit();
  await workbook.commit();
}

/** Writes a synthetic province ledger to `path` and says what is in it. */
export async function generateLedgerFile(path: string, opts: GenerateOptions): Promise<GenerateSummary> {
  if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new Error('workers must be a positive integer');
  if (!Number.isInteger(opts.counties) || opts.counties < 1) throw new Error('counties must be a positive integer');
  if (opts.counties > opts.workers) throw new Error('need at least one worker per county');
  const format = opts.format ?? (/\.xlsx$/i.test(path) ? 'xlsx' : 'csv');
  const counters: Counters = { households: 0, contacts: 0, zero: 0 };
  const places = { townships: 0, villages: 0 };
  const rows = provinceRows(opts, counters, places);
  if (format === 'xlsx') await writeXlsx(path, CANONICAL_HEADER, rows);
  else await writeCsv(path, CANONICAL_HEADER, rows);
  return {
    path,
    format,
    workers: opts.workers,
    households: counters.households,
    counties: opts.counties,
    townships: places.townships,
    villages: places.villages,
    familyContacts: counters.contacts,
    zeroEmploymentHouseholds: counters.zero,
  };
}
