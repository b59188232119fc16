// A SKU's NCT request: status, the moderator's remarks per field, resubmit after a fix, the duplicate
// review (continue, or use one of the existing cards), and cancelling a request on moderation.
import { useState } from "react";
import type { SkuDetailQuery } from "../../gql/graphql";
import { request, GqlError } from "../../api/client";
import { useCanEdit } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { ErrorBanner, Section, UserErrors } from "../../components/ui";
import { CancelRequest, DecideDuplicate, ResubmitSku } from "./queries";

type Sku = Extract<NonNullable<SkuDetailQuery["node"]>, { sellerSku: string }>;
type UErr = { field: string[]; message: string }[];

export function ModerationBox({ sku, onChanged }: { sku: Sku; onChanged: () => void }) {
  const { t, dateTime, has } = useI18n();
  const canEdit = useCanEdit();
  const m = sku.moderation;
  const [error, setError] = useState<GqlError>();
  const [userErrors, setUserErrors] = useState<UErr>();
  if (!m) return null;
  const nctStatus = (code: string) => (has(`nct.${code}`) ? t(`nct.${code}` as "nct.new") : code);
  const fieldLabel = (code: string) => (has(`field.${code}`) ? t(`field.${code}` as "field.name_ru") : code);
  const act = async (f: () => Promise<{ userErrors: UErr }>) => {
    setError(undefined);
    setUserErrors(undefined);
    try {
      const p = await f();
      if (p.userErrors.length) setUserErrors(p.userErrors);
      onChanged();
    } catch (e) {
      setError(e as GqlError);
    }
  };
  const canResubmit = ["new", "underRevision"].includes(m.status) || m.gzStatus === "underRevisionGz";
  // NCT withdraws only a request still waiting for its moderator.
  const onModeration = m.status === "onModeration";
  return (
    <Section title={t("moderation.request")}>
      <dl className="facts">
        <div><dt>{t("moderation.status")}</dt><dd data-testid="moderation-status" data-status={m.status}>{nctStatus(m.status)}{m.gzStatus ? ` / ${nctStatus(m.gzStatus)}` : ""}</dd></div>
        <div><dt>{t("moderation.requestId")}</dt><dd className="mono">{m.requestId ?? "—"}</dd></div>
        {m.ntin ? <div><dt>NTIN</dt><dd className="mono">{m.ntin}</dd></div> : null}
        <div><dt>{t("moderation.updated")}</dt><dd>{dateTime(m.updatedAt)}</dd></div>
      </dl>
      {m.comment ? <p className="banner warn">{m.comment}</p> : null}
      {m.reason ? <p>{m.reason}</p> : null}
      {m.lastError ? <ErrorBanner error={m.lastError} /> : null}
      {m.revisionDetails.length ? (
        <table data-testid="revision-details">
          <caption>{t("moderation.remarks")}</caption>
          <thead><tr><th>{t("moderation.field")}</th><th>{t("moderation.value")}</th><th>{t("moderation.comment")}</th></tr></thead>
          <tbody>
            {m.revisionDetails.map((d, i) => (
              <tr key={i}><td>{fieldLabel(d.attributeCode)}</td><td>{d.value}</td><td>{d.comment}</td></tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {m.duplicates.length ? (
        <div>
          <h3>{t("moderation.duplicates")}</h3>
          <div className="candidates">
            {m.duplicates.map((d, i) => (
              <article key={i} className="candidate">
                <p className="mono big">{d.ntin ?? "—"}</p>
                <p>{d.name ?? "—"}</p>
                <p className="muted">{d.brand ?? ""} · GTIN {d.gtin ?? "—"} · {t("moderation.similarity", { n: Math.round(d.similarity) })}</p>
                {canEdit && d.ntin ? (
                  <button type="button" onClick={() => act(async () => (await request(DecideDuplicate, { skuId: sku.id, decision: "USE_EXISTING", ntin: d.ntin })).decideDuplicate)}>
                    {t("moderation.useExisting")}
                  </button>
                ) : null}
              </article>
            ))}
          </div>
          {canEdit ? (
            <button type="button" className="secondary" onClick={() => act(async () => (await request(DecideDuplicate, { skuId: sku.id, decision: "CONTINUE", ntin: null })).decideDuplicate)}>
              {t("moderation.continue")}
            </button>
          ) : null}
        </div>
      ) : null}
      {canEdit ? (
        <div className="row">
          {canResubmit ? <button type="button" onClick={() => act(async () => (await request(ResubmitSku, { skuId: sku.id })).resubmitSku)}>{t("moderation.resubmit")}</button> : null}
          {onModeration ? <button type="button" className="danger" onClick={() => act(async () => (await request(CancelRequest, { skuId: sku.id })).cancelRequest)}>{t("moderation.cancel")}</button> : null}
        </div>
      ) : null}
      <UserErrors errors={userErrors} />
      <ErrorBanner error={error} />
    </Section>
  );
}
