// Card readiness over the catalog: how many cards need work, the problems grouped by code, and the SKUs
// that need a card, each a link to its editor.
import { useState } from "react";
import { graphql } from "../../gql";
import { useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { ErrorBanner, Loading, Section } from "../../components/ui";
import { SkuTable, type SkuFilterState } from "../catalogs/SkuTable";

const CardReadinessQuery = graphql(`
  query CardReadiness($id: ID!) {
    catalog(id: $id) { id cardReadiness { total ready withErrors problemsByCode { code count } } }
  }
`);

const PRESETS: [string, SkuFilterState][] = [
  ["cards.manual", { readiness: "MANUAL_CARD" }],
  ["cards.xtin", { readiness: "TEMPORARY_XTIN" }],
  ["cards.notFound", { lookupState: "NOT_FOUND" }],
];

export function CardsPanel({ catalogId }: { catalogId: string }) {
  const { t, num } = useI18n();
  const q = useQuery(CardReadinessQuery, { id: catalogId });
  const [preset, setPreset] = useState(0);
  const r = q.data?.catalog?.cardReadiness;
  return (
    <div className="grid">
      <Section title={t("cards.readiness")} actions={<button type="button" className="secondary" onClick={() => void q.reload()}>{t("common.refresh")}</button>}>
        {q.error ? <ErrorBanner error={q.error} /> : !r ? <Loading /> : (
          <>
            <dl className="counts" data-testid="card-readiness">
              <div><dt>{t("cards.total")}</dt><dd data-count="total">{num(r.total)}</dd></div>
              <div><dt>{t("cards.ready")}</dt><dd data-count="ready">{num(r.ready)}</dd></div>
              <div><dt>{t("cards.withErrors")}</dt><dd data-count="withErrors">{num(r.withErrors)}</dd></div>
            </dl>
            {r.problemsByCode.length ? (
              <table>
                <caption>{t("cards.byCode")}</caption>
                <thead><tr><th>{t("cards.code")}</th><th>{t("cards.count")}</th></tr></thead>
                <tbody>
                  {r.problemsByCode.map((p) => (
                    <tr key={p.code}><td className="mono">{p.code}</td><td>{num(p.count)}</td></tr>
                  ))}
                </tbody>
              </table>
            ) : <p className="muted">{t("cards.noProblems")}</p>}
          </>
        )}
      </Section>
      <Section title={t("cards.needing")}>
        <div className="row" role="group" aria-label={t("cards.needing")}>
          {PRESETS.map(([label], i) => (
            <button key={label} type="button" className={i === preset ? "" : "secondary"} aria-pressed={i === preset} onClick={() => setPreset(i)}>
              {t(label as "cards.manual")}
            </button>
          ))}
        </div>
        <SkuTable key={preset} catalogId={catalogId} initial={PRESETS[preset][1]} />
      </Section>
    </div>
  );
}
