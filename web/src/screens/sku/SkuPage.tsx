// One SKU: its lookup result (and the ambiguity picker), the card editor with NCT's dictionaries and the
// category's attributes, photos and PDFs, the pre-moderation check at each field, and its moderation.
import { useCallback, useEffect, useRef, useState } from "react";
import type { CardAttributeInput, SkuDetailQuery, UpdateCardInput } from "../../gql/graphql";
import { request, GqlError } from "../../api/client";
import { useCanEdit, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { Link } from "../../router";
import { classMsg, ErrorBanner, Loading, Section, UserErrors } from "../../components/ui";
import { CandidatePicker, type Candidate } from "../lookup/LookupPanel";
import { cardMsg, lookupMsg } from "../catalogs/SkuTable";
import { CardCheck, SkuDetail, UpdateCard, type CardProblem, problemText } from "./queries";
import { AttributeInputs, fixedCodes } from "./AttributeInputs";
import { DictionaryPicker } from "./DictionaryPicker";
import { CardFiles } from "./CardFiles";
import { ModerationBox } from "./ModerationBox";

type Sku = Extract<NonNullable<SkuDetailQuery["node"]>, { __typename?: "Sku"; sellerSku: string }>;
type Card = NonNullable<Sku["card"]>;

/** The editable text fields of a card. */
const TEXT_FIELDS = ["nameRu", "nameKk", "shortNameRu", "shortNameKk", "brand", "oktru", "tnved", "country", "measureUnit", "measureQuantity", "barcode", "xtin"] as const;
type TextField = (typeof TEXT_FIELDS)[number];
type Draft = Record<TextField, string> & { isGov: boolean; attributes: CardAttributeInput[]; mainExtended: CardAttributeInput[]; additionalExtended: CardAttributeInput[] };

/** Which problem `field` codes show at which editor field. */
const PROBLEM_FIELD: Record<string, TextField> = {
  name_ru: "nameRu", name_kk: "nameKk", short_name_ru: "shortNameRu", short_name_kk: "shortNameKk",
  brand: "brand", oktru: "oktru", tnved: "tnved", country: "country", measure: "measureUnit",
  measure_unit: "measureUnit", quantity: "measureQuantity", gtin: "barcode", xtin: "xtin",
};

const strip = (a: Card["attributes"]): CardAttributeInput[] =>
  a.map((x) => ({ code: x.code, value: x.value, parts: x.parts.map((p) => ({ code: p.code, value: p.value })) }));

function draftOf(c: Card | null | undefined, sku: Sku): Draft {
  const d = {} as Draft;
  for (const f of TEXT_FIELDS) d[f] = (c?.[f] as string | null | undefined) ?? "";
  if (!d.nameRu) d.nameRu = sku.nameRu ?? "";
  d.isGov = c?.isGov ?? false;
  d.attributes = strip(c?.attributes ?? []);
  d.mainExtended = strip(c?.mainExtended ?? []);
  d.additionalExtended = strip(c?.additionalExtended ?? []);
  return d;
}

export function SkuPage({ id }: { id: string }) {
  const i18n = useI18n();
  const { t, dateTime } = i18n;
  const q = useQuery(SkuDetail, { id });
  const sku = q.data?.node && "sellerSku" in q.data.node ? (q.data.node as Sku) : null;
  const { reload: reloadQuery } = q;
  const reload = useCallback(() => void reloadQuery(), [reloadQuery]);
  if (q.error) return <ErrorBanner error={q.error} />;
  if (!q.data) return <Loading />;
  if (!sku) return <ErrorBanner error={t("common.notFound")} />;
  const candidates = (sku.lookupCandidates as Candidate[] | null) ?? [];
  return (
    <div className="grid">
      <Section title={`${sku.sellerSku} ${sku.nameRu ?? ""}`} actions={<Link to={`/catalogs/${sku.catalogId}`}>{t("sku.backToCatalog")}</Link>}>
        <h1 className="sr-only">{sku.sellerSku}</h1>
        <dl className="facts">
          <div><dt>{t("skus.barcode")}</dt><dd className="mono">{sku.barcode ?? "—"}</dd></div>
          <div><dt>{t("skus.readiness")}</dt><dd><span className={`pill cls-${sku.readinessClass}`}>{t(classMsg[sku.readinessClass])}</span> {sku.readinessReason ? t(`reason.${sku.readinessReason.code}`) : ""}</dd></div>
          <div><dt>NTIN</dt><dd className="mono" data-testid="sku-ntin">{sku.ntin ?? "—"}</dd></div>
          <div><dt>{t("skus.lookup")}</dt><dd>{sku.lookupState ? t(lookupMsg(sku.lookupState)) : "—"}</dd></div>
          {sku.xtin ? <div><dt>XTIN</dt><dd className="mono">{sku.xtin} ({t("sku.xtinUntil", { date: dateTime(sku.xtinExpiresAt) })})</dd></div> : null}
          <div><dt>{t("skus.card")}</dt><dd data-testid="card-status">{sku.card?.status ? t(cardMsg(sku.card.status)) : "—"}</dd></div>
        </dl>
      </Section>
      {sku.lookupState === "AMBIGUOUS" && !sku.ntin ? (
        <Section title={t("lookup.ambiguousOne")}>
          <CandidatePicker skuId={sku.id} candidates={candidates} onChosen={() => void q.reload()} />
        </Section>
      ) : null}
      {sku.moderation ? <ModerationBox sku={sku} onChanged={() => void q.reload()} /> : null}
      {!sku.ntin || sku.card ? <CardEditor key={sku.id} sku={sku} onSaved={reload} /> : null}
    </div>
  );
}

function CardEditor({ sku, onSaved }: { sku: Sku; onSaved: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const canEdit = useCanEdit();
  const [draft, setDraft] = useState<Draft>(() => draftOf(sku.card, sku));
  const [problems, setProblems] = useState<CardProblem[] | null>(null);
  const [checkError, setCheckError] = useState<GqlError>();
  const [error, setError] = useState<GqlError>();
  const [userErrors, setUserErrors] = useState<{ field: string[]; message: string }[]>();
  const [saving, setSaving] = useState<"idle" | "pending" | "saving" | "saved">("idle");
  const pending = useRef<Partial<UpdateCardInput>>({});
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => {
    request(CardCheck, { id: sku.id }).then(
      (r) => setProblems(r.node && "cardCheck" in r.node ? (r.node.cardCheck as CardProblem[]) : []),
      (e: GqlError) => setCheckError(e),
    );
  }, [sku.id]);

  const flush = useCallback(async () => {
    const patch = pending.current;
    pending.current = {};
    if (!Object.keys(patch).length) return;
    setSaving("saving");
    try {
      const r = await request(UpdateCard, { input: { skuId: sku.id, ...patch } });
      setUserErrors(r.updateCard.userErrors.length ? r.updateCard.userErrors : undefined);
      if (!r.updateCard.userErrors.length) {
        setProblems(r.updateCard.problems as CardProblem[]);
        setCheckError(undefined);
      }
      setError(undefined);
      setSaving("saved");
      // The page header shows the card state the save produced.
      onSaved();
    } catch (e) {
      setError(e as GqlError);
      setSaving("idle");
    }
  }, [sku.id, onSaved]);
  useEffect(() => () => {
    clearTimeout(timer.current);
    void flush();
  }, [flush]);

  /** Changes the draft and saves it shortly after the person stops typing. */
  const change = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    Object.assign(pending.current, patch);
    setSaving("pending");
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void flush(), 600);
  };
  const saveNow = async () => {
    clearTimeout(timer.current);
    await flush();
    onSaved();
  };

  const at = (f: TextField) => (problems ?? []).filter((p) => PROBLEM_FIELD[p.field] === f);
  // The moderator's remarks stay at their fields until the card is sent again.
  const remarks = (f: TextField) =>
    sku.card?.status === "NEEDS_REVISION" ? (sku.moderation?.revisionDetails ?? []).filter((d) => PROBLEM_FIELD[d.attributeCode] === f) : [];
  const remarkList = (f: TextField) =>
    remarks(f).length ? (
      <ul className="field-problems">
        {remarks(f).map((d, i) => <li key={i} className="remark">{t("card.remark", { comment: d.comment })}</li>)}
      </ul>
    ) : null;
  const other = (problems ?? []).filter((p) => !PROBLEM_FIELD[p.field]);
  const problemList = (list: CardProblem[], id: string) =>
    list.length ? (
      <ul className="field-problems" id={id}>
        {list.map((p, i) => (
          <li key={i} className={p.severity === "ERROR" ? "error" : "warn"} data-code={p.code}>{problemText(i18n, p)}</li>
        ))}
      </ul>
    ) : null;
  const text = (f: TextField, label: string, opts: { long?: boolean; lang?: string } = {}) => {
    const ps = at(f);
    const pid = `p-${f}`;
    return (
      <div className={`field${ps.length ? " has-problem" : ""}`}>
        <label htmlFor={`f-${f}`}>{label}</label>
        {opts.long ? (
          <textarea id={`f-${f}`} lang={opts.lang} rows={2} value={draft[f]} disabled={!canEdit} aria-invalid={ps.length ? true : undefined} aria-describedby={ps.length ? pid : undefined} onChange={(e) => change({ [f]: e.target.value } as Partial<Draft>)} />
        ) : (
          <input id={`f-${f}`} lang={opts.lang} value={draft[f]} disabled={!canEdit} aria-invalid={ps.length ? true : undefined} aria-describedby={ps.length ? pid : undefined} onChange={(e) => change({ [f]: e.target.value } as Partial<Draft>)} />
        )}
        {problemList(ps, pid)}
        {remarkList(f)}
      </div>
    );
  };
  const picker = (f: TextField, label: string, dictionary: "OKTRU" | "TNVED" | "COUNTRY" | "MEASURE") => {
    const ps = at(f);
    const pid = `p-${f}`;
    return (
      <div className={`field${ps.length ? " has-problem" : ""}`}>
        <label htmlFor={`f-${f}`}>{label}</label>
        <DictionaryPicker id={`f-${f}`} dictionary={dictionary} value={draft[f]} disabled={!canEdit} leafOnly={dictionary === "OKTRU"} invalid={ps.length > 0} describedBy={ps.length ? pid : undefined} onChange={(code) => change({ [f]: code } as Partial<Draft>)} />
        {problemList(ps, pid)}
      </div>
    );
  };
  const errorCount = (problems ?? []).filter((p) => p.severity === "ERROR").length;
  const warningCount = (problems ?? []).length - errorCount;
  return (
    <Section
      title={t("card.title")}
      actions={
        canEdit ? (
          <>
            <span className="muted" role="status" data-testid="save-state">{t(`card.save.${saving}`)}</span>
            <button type="button" onClick={saveNow}>{t("common.save")}</button>
          </>
        ) : <span className="muted">{t("common.readOnly")}</span>
      }
    >
      {checkError ? <p className="banner warn">{checkError.code === "CONFLICT" ? t("card.needKey") : checkError.message}</p> : null}
      {problems ? (
        <p className={errorCount || warningCount ? "banner warn" : "banner ok"} data-testid="check-summary">
          {errorCount ? t("card.problems", { n: errorCount }) : warningCount ? t("card.warnings", { n: warningCount }) : t("card.noProblems")}
        </p>
      ) : null}
      {problemList(other, "p-other")}
      <UserErrors errors={userErrors} />
      <ErrorBanner error={error} />
      <div className="form-grid">
        {text("nameRu", t("card.nameRu"), { long: true, lang: "ru" })}
        {text("nameKk", t("card.nameKk"), { long: true, lang: "kk" })}
        {text("shortNameRu", t("card.shortNameRu"), { lang: "ru" })}
        {text("shortNameKk", t("card.shortNameKk"), { lang: "kk" })}
        {text("brand", t("card.brand"))}
        {picker("oktru", t("card.oktru"), "OKTRU")}
        {picker("tnved", t("card.tnved"), "TNVED")}
        {picker("country", t("card.country"), "COUNTRY")}
        {picker("measureUnit", t("card.measureUnit"), "MEASURE")}
        {text("measureQuantity", t("card.measureQuantity"))}
        {text("barcode", t("skus.barcode"))}
        {text("xtin", "XTIN")}
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={draft.isGov} disabled={!canEdit} onChange={(e) => change({ isGov: e.target.checked })} /> {t("card.isGov")}
          </label>
        </div>
      </div>
      <AttributeInputs
        oktru={draft.oktru}
        isGov={draft.isGov}
        values={draft}
        problems={problems ?? []}
        disabled={!canEdit}
        skip={fixedCodes}
        onChange={(group, list) => change({ [group]: list } as Partial<Draft>)}
      />
      <CardFiles sku={sku} problems={(problems ?? []).filter((p) => p.field === "images" || p.field === "documents")} onUploaded={() => {
        request(CardCheck, { id: sku.id }).then((r) => setProblems(r.node && "cardCheck" in r.node ? (r.node.cardCheck as CardProblem[]) : []), () => {});
      }} />
    </Section>
  );
}
