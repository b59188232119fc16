// Message catalogs (ru, the default; kk; en) and formatting in Kazakhstan time. Every string the console
// shows comes from a catalog: `kk` and `en` must have every key of `ru`, or the build fails.
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { ru } from "./ru";
import { kk } from "./kk";
import { en } from "./en";

export type MsgKey = keyof typeof ru;
export type Lang = "ru" | "kk" | "en";
const catalogs: Record<Lang, Record<MsgKey, string>> = { ru, kk, en };
const locales: Record<Lang, string> = { ru: "ru-RU", kk: "kk-KZ", en: "en-GB" };
/** Kazakhstan's time zone (UTC+5 across the country since 2024). */
export const KZ_TIME_ZONE = "Asia/Almaty";
const LANG_KEY = "ntin-desk.lang";

export interface I18n {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: (key: MsgKey, vars?: Record<string, string | number>) => string;
  /** Whether the catalogs have `key` (for codes the server may add later). */
  has: (key: string) => key is MsgKey;
  dateTime: (iso: string | null | undefined) => string;
  date: (iso: string | null | undefined) => string;
  num: (n: number) => string;
}

function make(lang: Lang, setLang: (l: Lang) => void): I18n {
  const msgs = catalogs[lang];
  const locale = locales[lang];
  const dt = new Intl.DateTimeFormat(locale, { timeZone: KZ_TIME_ZONE, dateStyle: "medium", timeStyle: "short" });
  // A `NaiveDate` (YYYY-MM-DD) is a calendar date: format it without shifting zones.
  const d = new Intl.DateTimeFormat(locale, { timeZone: "UTC", dateStyle: "long" });
  const nf = new Intl.NumberFormat(locale);
  return {
    lang,
    setLang,
    t: (key, vars) => {
      let s = msgs[key] ?? ru[key] ?? key;
      if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    },
    has: (key): key is MsgKey => key in ru,
    dateTime: (iso) => (iso ? dt.format(new Date(iso)) : "—"),
    date: (iso) => (iso ? d.format(new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso)) : "—"),
    num: (n) => nf.format(n),
  };
}

const Ctx = createContext<I18n>(make("ru", () => {}));

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    const saved = localStorage.getItem(LANG_KEY);
    return saved === "kk" || saved === "en" || saved === "ru" ? saved : "ru";
  });
  const value = useMemo(
    () =>
      make(lang, (l) => {
        localStorage.setItem(LANG_KEY, l);
        document.documentElement.lang = l;
        setLangState(l);
      }),
    [lang],
  );
  document.documentElement.lang = lang;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  return useContext(Ctx);
}
