/**
 * Message texts from templates/<language>/<namespace>.json (i18next). zh-CN is the first
 * language and the fallback; English second; another language is one more folder.
 * Texts go to SMS and chat, not HTML, so nothing is escaped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import i18next, { type Resource, type TFunction } from 'i18next';
import { projectPath } from './paths.js';

export const DEFAULT_LANGUAGE = 'zh-CN';
const TEMPLATES_DIR = projectPath('templates');

function loadResources(dir: string): Resource {
  const resources: Resource = {};
  for (const lng of readdirSync(dir, { withFileTypes: true })) {
    if (!lng.isDirectory()) continue;
    resources[lng.name] = {};
    for (const file of readdirSync(join(dir, lng.name))) {
      if (!file.endsWith('.json')) continue;
      resources[lng.name]![basename(file, '.json')] = JSON.parse(readFileSync(join(dir, lng.name, file), 'utf8'));
    }
  }
  return resources;
}

export interface Texts {
  languages: string[];
  /** A translator fixed to one language (never changeLanguage on a shared instance). */
  forLanguage(language: string | null | undefined): TFunction;
}

export async function createTexts(dir = TEMPLATES_DIR): Promise<Texts> {
  const resources = loadResources(dir);
  const instance = i18next.createInstance();
  await instance.init({
    resources,
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    defaultNS: 'common',
    ns: [...new Set(Object.values(resources).flatMap((r) => Object.keys(r)))],
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const languages = Object.keys(resources);
  return {
    languages,
    forLanguage: (language) => instance.getFixedT(language && languages.includes(language) ? language : DEFAULT_LANGUAGE),
  };
}
