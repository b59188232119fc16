// The public readiness check: paste or upload barcodes, see each line's class and reason, filter by class,
// download the result as CSV. No sign-in needed.
import { useState, type ChangeEvent } from "react";
import { graphql } from "../../gql";
import type { ReadinessQuery } from "../../gql/graphql";
import { request, GqlError } from "../../api/client";
import { useI18n } from "../../i18n";
import { CLASS_KEYS, classMsg, csvField, downloadText, ErrorBanner, ReadinessChart, Section, type ClassKey } from "../../components/ui";

const Readiness = graphql(`
  query Readiness($barcodes: [String!]!) {
    readiness(barcodes: $barcodes) {
      summary { total hasNtin autoLookupReady temporaryXtin manualCard duplicates }
      items { line input gtin14 class reason { code message } }
    }
  }
`);

const MAX_LINES = 200_000;
const SHOWN = 500;

export function ReadinessCheck() {
  const { t, num } = useI18n();
  const [text, setText] = useState("");
  const [result, setResult] = useState<ReadinessQuery["readiness"]>();
  const [filter, setFilter] = useState<ClassKey | "">("");
  const [error, setError] = useState<GqlError>();
  const [busy, setBusy] = useState(false);

  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();

  const check = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await request(Readiness, { barcodes: lines.slice(0, MAX_LINES) });
      setResult(r.readiness);
    } catch (e) {
      setError(e as GqlError);
    } finally {
      setBusy(false);
    }
  };
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (f) setText(await f.text());
  };
  const items = result?.items.filter((i) => !filter || i.class === filter) ?? [];
  const download = () => {
    const rows = [["line", "input", "gtin14", "class", "reason_code", "reason"].join(",")];
    for (const i of items) rows.push([i.line, i.input, i.gtin14, i.class, i.reason?.code, i.reason?.message].map(csvField).join(","));
    downloadText("readiness.csv", rows.join("\r\n") + "\r\n");
  };
  return (
    <div className="grid">
      <Section title={t("readiness.title")}>
        <p>{t("readiness.help")}</p>
        <label htmlFor="barcodes">{t("readiness.paste")}</label>
        <textarea id="barcodes" rows={8} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        <div className="row">
          <label className="file">
            {t("readiness.upload")}
            <input type="file" accept=".txt,.csv,text/plain,text/csv" onChange={onFile} />
          </label>
          <span className="muted">{t("readiness.lines", { n: num(lines.length) })}</span>
          <button type="button" onClick={check} disabled={busy || lines.length === 0}>
            {t("readiness.check")}
          </button>
        </div>
        {lines.length > MAX_LINES ? <p className="banner warn">{t("readiness.tooMany", { n: num(MAX_LINES) })}</p> : null}
        <ErrorBanner error={error} />
      </Section>
      {result ? (
        <Section
          title={t("readiness.result")}
          actions={
            <>
              <label>
                {t("readiness.filter")}{" "}
                <select value={filter} onChange={(e) => setFilter(e.target.value as ClassKey | "")}>
                  <option value="">{t("common.all")}</option>
                  {CLASS_KEYS.map((k) => (
                    <option key={k} value={k}>{t(classMsg[k])}</option>
                  ))}
                </select>
              </label>
              <button type="button" className="secondary" onClick={download}>{t("readiness.download")}</button>
            </>
          }
        >
          <ReadinessChart
            counts={{
              HAS_NTIN: result.summary.hasNtin,
              AUTO_LOOKUP_READY: result.summary.autoLookupReady,
              TEMPORARY_XTIN: result.summary.temporaryXtin,
              MANUAL_CARD: result.summary.manualCard,
            }}
          />
          <p className="muted">{t("readiness.duplicates", { n: num(result.summary.duplicates) })}</p>
          <table data-testid="readiness-table">
            <thead>
              <tr>
                <th>{t("readiness.line")}</th>
                <th>{t("readiness.code")}</th>
                <th>{t("readiness.class")}</th>
                <th>{t("readiness.reason")}</th>
              </tr>
            </thead>
            <tbody>
              {items.slice(0, SHOWN).map((i) => (
                <tr key={i.line} data-class={i.class}>
                  <td>{i.line}</td>
                  <td className="mono">{i.input}</td>
                  <td><span className={`pill cls-${i.class}`}>{t(classMsg[i.class])}</span></td>
                  <td title={i.reason?.message}>{i.reason ? t(`reason.${i.reason.code}`) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length > SHOWN ? <p className="muted">{t("readiness.more", { n: num(items.length - SHOWN) })}</p> : null}
        </Section>
      ) : null}
    </div>
  );
}
