// One catalog: its readiness, and tabs for the SKU table, import, lookup, cards and moderation, plus the
// CSV export through a short-lived signed link.
import { useState } from "react";
import { graphql } from "../../gql";
import { request, GqlError } from "../../api/client";
import { useQuery } from "../../api/hooks";
import { useI18n, type MsgKey } from "../../i18n";
import { Link } from "../../router";
import { ErrorBanner, Loading, ReadinessChart, Section } from "../../components/ui";
import { SkuTable } from "./SkuTable";
import { ImportPanel } from "./ImportPanel";
import { LookupPanel } from "../lookup/LookupPanel";
import { CardsPanel } from "../cards/CardsPanel";
import { ModerationPanel } from "../moderation/ModerationPanel";

const CatalogQuery = graphql(`
  query Catalog($id: ID!) {
    catalog(id: $id) {
      id
      name
      readiness { total hasNtin autoLookupReady temporaryXtin manualCard duplicates }
    }
  }
`);

const ExportLink = graphql(`
  mutation ExportLink($id: ID!) {
    createExportLink(input: { catalogId: $id }) { url expiresAt userErrors { field code message } }
  }
`);

const TABS: [string, MsgKey][] = [
  ["skus", "catalog.tab.skus"],
  ["import", "catalog.tab.import"],
  ["lookup", "catalog.tab.lookup"],
  ["cards", "catalog.tab.cards"],
  ["moderation", "catalog.tab.moderation"],
];

export function CatalogPage({ id, tab }: { id: string; tab: string }) {
  const { t, num } = useI18n();
  const q = useQuery(CatalogQuery, { id });
  const [error, setError] = useState<GqlError>();
  const c = q.data?.catalog;
  const exportCsv = async () => {
    setError(undefined);
    try {
      const r = await request(ExportLink, { id });
      const url = r.createExportLink.url;
      if (url) {
        // A same-origin link that carries its own short-lived signature: the browser downloads it.
        const a = document.createElement("a");
        a.href = url;
        a.download = "";
        document.body.appendChild(a);
        a.click();
        a.remove();
      }
    } catch (e) {
      setError(e as GqlError);
    }
  };
  if (q.error) return <ErrorBanner error={q.error} />;
  if (!q.data) return <Loading />;
  if (!c) return <ErrorBanner error={t("common.notFound")} />;
  return (
    <div className="grid">
      <Section
        title={c.name}
        actions={
          <button type="button" className="secondary" onClick={exportCsv} data-testid="export">
            {t("catalog.export")}
          </button>
        }
      >
        <h1 className="sr-only">{c.name}</h1>
        <p className="muted">{t("dashboard.skus", { n: num(c.readiness.total) })}</p>
        <ReadinessChart
          counts={{
            HAS_NTIN: c.readiness.hasNtin,
            AUTO_LOOKUP_READY: c.readiness.autoLookupReady,
            TEMPORARY_XTIN: c.readiness.temporaryXtin,
            MANUAL_CARD: c.readiness.manualCard,
          }}
        />
        <ErrorBanner error={error} />
      </Section>
      <nav className="tabs" aria-label={t("catalog.sections")}>
        {TABS.map(([key, label]) => (
          <Link key={key} to={`/catalogs/${id}/${key}`} aria-current={tab === key ? "page" : undefined}>
            {t(label)}
          </Link>
        ))}
      </nav>
      <div className="panel">
        {tab === "skus" ? <SkuTable catalogId={id} /> : null}
        {tab === "import" ? <ImportPanel catalogId={id} onImported={() => void q.reload()} /> : null}
        {tab === "lookup" ? <LookupPanel catalogId={id} onChanged={() => void q.reload()} /> : null}
        {tab === "cards" ? <CardsPanel catalogId={id} /> : null}
        {tab === "moderation" ? <ModerationPanel catalogId={id} onChanged={() => void q.reload()} /> : null}
      </div>
    </div>
  );
}
