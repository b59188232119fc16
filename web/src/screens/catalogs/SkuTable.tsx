// The SKU table: server-side cursor pages (50 rows) with filters by readiness class, lookup state, card
// state and text search. Nothing is loaded beyond the page on screen, so it stays quick at 100,000 SKUs.
import { useEffect, useState } from "react";
import { graphql } from "../../gql";
import type { ReadinessClass } from "../../gql/graphql";
import { useQuery } from "../../api/hooks";
import { useI18n, type MsgKey } from "../../i18n";
import { Link } from "../../router";
import { CLASS_KEYS, classMsg, ErrorBanner, useDebounced } from "../../components/ui";

const SkuPage = graphql(`
  query SkuPage($id: ID!, $first: Int!, $after: String, $filter: SkuFilterInput, $count: Boolean!) {
    catalog(id: $id) {
      id
      skus(first: $first, after: $after, filter: $filter) {
        totalCount @include(if: $count)
        pageInfo { hasNextPage endCursor }
        nodes { id sellerSku nameRu barcode readinessClass lookupState ntin card { status } }
      }
    }
  }
`);

export const LOOKUP_STATES = ["FOUND", "AMBIGUOUS", "NOT_FOUND", "FAILED"] as const;
export const CARD_STATES = [
  "DRAFT", "READY", "CREATED", "SUBMITTED", "NEEDS_REVISION", "DUPLICATE_REVIEW",
  "READY_TO_PUBLISH", "COMPLETED", "REJECTED", "CANCELLED", "FAILED",
] as const;
export const lookupMsg = (s: string) => `lookup.${s}` as MsgKey;
export const cardMsg = (s: string) => `card.status.${s}` as MsgKey;

const PAGE = 50;

export interface SkuFilterState {
  readiness?: ReadinessClass;
  lookupState?: string;
  cardStatus?: string;
  search?: string;
}

export function SkuTable({ catalogId, initial = {} }: { catalogId: string; initial?: SkuFilterState }) {
  const { t, num } = useI18n();
  const [filter, setFilter] = useState<SkuFilterState>(initial);
  const [searchText, setSearchText] = useState(initial.search ?? "");
  const search = useDebounced(searchText, 300);
  // Cursors of the pages before the current one (the first page has none).
  // They belong to one filter: another filter starts again at the first page.
  const effective = { ...filter, search: search.trim() || undefined };
  const fkey = JSON.stringify(effective);
  const [paging, setPaging] = useState<{ fkey: string; cursors: (string | null)[] }>({ fkey, cursors: [null] });
  const cursors = paging.fkey === fkey ? paging.cursors : [null];
  const setCursors = (f: (c: (string | null)[]) => (string | null)[]) => setPaging({ fkey, cursors: f(cursors) });
  const after = cursors[cursors.length - 1];
  // The total is counted once per filter (on its first page), not on every page switch.
  const q = useQuery(SkuPage, { id: catalogId, first: PAGE, after, filter: effective, count: after === null });
  const conn = q.data?.catalog?.skus;
  const [totals, setTotals] = useState<{ fkey: string; total: number } | null>(null);
  const fresh = conn?.totalCount;
  useEffect(() => {
    if (fresh != null) setTotals({ fkey, total: fresh });
  }, [fresh, fkey]);
  const total = totals?.fkey === fkey ? totals.total : (fresh ?? 0);
  const page = cursors.length;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const set = (k: keyof SkuFilterState) => (v: string) => setFilter((f) => ({ ...f, [k]: v || undefined }));
  return (
    <div>
      <div className="filters row" role="search">
        <label>
          {t("skus.search")}
          <input type="search" value={searchText} onChange={(e) => setSearchText(e.target.value)} placeholder={t("skus.searchHint")} />
        </label>
        <label>
          {t("skus.readiness")}
          <select value={filter.readiness ?? ""} onChange={(e) => set("readiness")(e.target.value)}>
            <option value="">{t("common.all")}</option>
            {CLASS_KEYS.map((k) => <option key={k} value={k}>{t(classMsg[k])}</option>)}
          </select>
        </label>
        <label>
          {t("skus.lookup")}
          <select value={filter.lookupState ?? ""} onChange={(e) => set("lookupState")(e.target.value)}>
            <option value="">{t("common.all")}</option>
            {LOOKUP_STATES.map((k) => <option key={k} value={k}>{t(lookupMsg(k))}</option>)}
          </select>
        </label>
        <label>
          {t("skus.card")}
          <select value={filter.cardStatus ?? ""} onChange={(e) => set("cardStatus")(e.target.value)}>
            <option value="">{t("common.all")}</option>
            {CARD_STATES.map((k) => <option key={k} value={k}>{t(cardMsg(k))}</option>)}
          </select>
        </label>
      </div>
      <ErrorBanner error={q.error} />
      <table className="skus" aria-busy={q.loading} data-testid="sku-table">
        <thead>
          <tr>
            <th>{t("skus.sellerSku")}</th>
            <th>{t("skus.name")}</th>
            <th>{t("skus.barcode")}</th>
            <th>{t("skus.readiness")}</th>
            <th>{t("skus.lookup")}</th>
            <th>NTIN</th>
            <th>{t("skus.card")}</th>
          </tr>
        </thead>
        <tbody>
          {conn?.nodes.map((s) => (
            <tr key={s.id}>
              <td><Link to={`/skus/${s.id}`}>{s.sellerSku}</Link></td>
              <td>{s.nameRu ?? ""}</td>
              <td className="mono">{s.barcode ?? ""}</td>
              <td><span className={`pill cls-${s.readinessClass}`}>{t(classMsg[s.readinessClass])}</span></td>
              <td>{s.lookupState ? t(lookupMsg(s.lookupState)) : ""}</td>
              <td className="mono" data-testid="ntin">{s.ntin ?? ""}</td>
              <td>{s.card?.status ? t(cardMsg(s.card.status)) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {conn && conn.nodes.length === 0 ? <p className="muted">{t("skus.none")}</p> : null}
      <nav className="pager row" aria-label={t("skus.pages")}>
        <button type="button" className="secondary" disabled={page <= 1 || q.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t("skus.prev")}
        </button>
        <span data-testid="page-info">
          {t("skus.pageOf", { page: num(page), pages: num(pages), total: num(total) })}
        </span>
        <button
          type="button"
          className="secondary"
          disabled={!conn?.pageInfo.hasNextPage || q.loading}
          onClick={() => conn?.pageInfo.endCursor && setCursors((c) => [...c, conn.pageInfo.endCursor ?? null])}
        >
          {t("skus.next")}
        </button>
      </nav>
    </div>
  );
}
