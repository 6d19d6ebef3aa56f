/**
 * Shaanxi counties with their statistical codes, for synthetic ledgers. Most of the province's
 * poverty counties lay in the Qinba mountains (汉中, 安康, 商洛) and on the northern plateau
 * (延安, 榆林); the list starts there.
 */
export interface CountySeed {
  cityCode: string;
  cityName: string;
  code: string;
  name: string;
}

const CITIES: Record<string, string> = {
  '6103': '宝鸡市',
  '6104': '咸阳市',
  '6105': '渭南市',
  '6106': '延安市',
  '6107': '汉中市',
  '6108': '榆林市',
  '6109': '安康市',
  '6110': '商洛市',
};

const COUNTIES: [string, string][] = [
  ['610921', '汉阴县'],
  ['611022', '丹凤县'],
  ['610724', '西乡县'],
  ['610924', '紫阳县'],
  ['611024', '山阳县'],
  ['610726', '宁强县'],
  ['610830', '清涧县'],
  ['610622', '延川县'],
  ['610922', '石泉县'],
  ['610923', '宁陕县'],
  ['610925', '岚皋县'],
  ['610926', '平利县'],
  ['610927', '镇坪县'],
  ['610929', '白河县'],
  ['610902', '汉滨区'],
  ['611002', '商州区'],
  ['611021', '洛南县'],
  ['611023', '商南县'],
  ['611025', '镇安县'],
  ['611026', '柞水县'],
  ['610722', '城固县'],
  ['610723', '洋县'],
  ['610725', '勉县'],
  ['610727', '略阳县'],
  ['610728', '镇巴县'],
  ['610729', '留坝县'],
  ['610730', '佛坪县'],
  ['610825', '定边县'],
  ['610826', '绥德县'],
  ['610827', '米脂县'],
  ['610828', '佳县'],
  ['610829', '吴堡县'],
  ['610831', '子洲县'],
  ['610803', '横山区'],
  ['610621', '延长县'],
  ['610625', '志丹县'],
  ['610626', '吴起县'],
  ['610627', '甘泉县'],
  ['610628', '富县'],
  ['610630', '宜川县'],
  ['610631', '黄龙县'],
  ['610327', '陇县'],
  ['610328', '千阳县'],
  ['610329', '麟游县'],
  ['610330', '凤县'],
  ['610331', '太白县'],
  ['610522', '潼关县'],
  ['610523', '大荔县'],
  ['610524', '合阳县'],
  ['610525', '澄城县'],
  ['610526', '蒲城县'],
  ['610527', '白水县'],
  ['610428', '长武县'],
  ['610429', '旬邑县'],
  ['610430', '淳化县'],
];

const EXTRA_NAME_CHARS = '安平永宁丰泰和兴德康华嘉福瑞寿乐清定';

/**
 * The first `count` counties: the real list, then invented ones ("新<x><y>县") with unused codes
 * in the same cities, so any number of counties gets distinct, well-formed codes.
 */
export function syntheticCounties(count: number): CountySeed[] {
  const out: CountySeed[] = [];
  const used = new Set(COUNTIES.map(([code]) => code));
  for (const [code, name] of COUNTIES.slice(0, count)) {
    const cityCode = code.slice(0, 4);
    out.push({ cityCode, cityName: CITIES[cityCode] as string, code, name });
  }
  const cityCodes = Object.keys(CITIES);
  let n = 0;
  for (let suffix = 40; out.length < count && suffix < 100; suffix++) {
    for (const cityCode of cityCodes) {
      if (out.length >= count) break;
      const code = `${cityCode}${suffix}`;
      if (used.has(code)) continue;
      const a = EXTRA_NAME_CHARS[n % EXTRA_NAME_CHARS.length];
      const b = EXTRA_NAME_CHARS[Math.floor(n / EXTRA_NAME_CHARS.length) % EXTRA_NAME_CHARS.length];
      n++;
      out.push({ cityCode, cityName: CITIES[cityCode] as string, code, name: `新${a}${b}县` });
    }
  }
  if (out.length < count) throw new Error(`at most ${out.length} synthetic counties`);
  return out;
}
