// NTIN lookup: start a job, follow it live (a reloaded page finds the running job again), cancel it, and
// settle ambiguous GTINs by choosing one of NCT's candidate cards. The console never guesses.
import { useEffect, useState } from "react";
import { graphql } from "../../gql";
import { request, GqlError } from "../../api/client";
import { useCanEdit, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { Link } from "../../router";
import { ErrorBanner, Section, UserErrors } from "../../components/ui";
import { JobProgressPanel, latestJob, type Job } from "../../components/jobs";

const StartLookup = graphql(`
  mutation StartLookup($catalogId: ID!, $key: String) {
    startLookupJob(input: { catalogId: $catalogId, idempotencyKey: $key }) { job { ...JobFields } userErrors { field code message } }
  }
`);

const Ambiguous = graphql(`
  query Ambiguous($id: ID!) {
    catalog(id: $id) {
      id
      skus(first: 50, filter: { lookupState: "AMBIGUOUS" }) {
        totalCount
        nodes { id sellerSku nameRu barcode gtin14 lookupCandidates }
      }
    }
  }
`);

const ChooseNtin = graphql(`
  mutation ChooseNtin($skuId: ID!, $ntin: String!) {
    chooseNtin(input: { skuId: $skuId, ntin: $ntin }) { sku { id ntin lookupState } userErrors { field code message } }
  }
`);

/** One candidate card as stored with the SKU (`infra::cache::CachedCard`). */
export interface Candidate {
  ntin: string;
  gtin?: string | null;
  name_ru?: string | null;
  name_kk?: string | null;
  oktru?: string | null;
  card_id?: number;
}

export function CandidatePicker({ skuId, candidates, onChosen }: { skuId: string; candidates: Candidate[]; onChosen: () => void }) {
  const { t } = useI18n();
  const canEdit = useCanEdit();
  const [error, setError] = useState<GqlError>();
  const [userErrors, setUserErrors] = useState<{ field: string[]; message: string }[]>();
  const choose = async (ntin: string) => {
    setError(undefined);
    try {
      const r = await request(ChooseNtin, { skuId, ntin });
      if (r.chooseNtin.userErrors.length) setUserErrors(r.chooseNtin.userErrors);
      else onChosen();
    } catch (e) {
      setError(e as GqlError);
    }
  };
  return (
    <div>
      <div className="candidates">
        {candidates.map((c) => (
          <article key={c.ntin} className="candidate" aria-label={`NTIN ${c.ntin}`}>
            <p className="mono big">{c.ntin}</p>
            <p>{c.name_ru ?? "—"}</p>
            {c.name_kk ? <p lang="kk">{c.name_kk}</p> : null}
            <p className="muted">GTIN {c.gtin ?? "—"} · OKTRU {c.oktru ?? "—"}</p>
            {canEdit ? (
              <button type="button" onClick={() => choose(c.ntin)}>{t("lookup.choose")}</button>
            ) : null}
          </article>
        ))}
      </div>
      <UserErrors errors={userErrors} />
      <ErrorBanner error={error} />
    </div>
  );
}

export function LookupPanel({ catalogId, onChanged }: { catalogId: string; onChanged: () => void }) {
  const { t, num } = useI18n();
  const canEdit = useCanEdit();
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<GqlError>();
  const [userErrors, setUserErrors] = useState<{ field: string[]; message: string }[]>();
  const amb = useQuery(Ambiguous, { id: catalogId });
  useEffect(() => {
    latestJob(catalogId, "LOOKUP").then(setJob, setError);
  }, [catalogId]);
  const start = async () => {
    setError(undefined);
    setUserErrors(undefined);
    try {
      const r = await request(StartLookup, { catalogId, key: crypto.randomUUID() });
      if (r.startLookupJob.userErrors.length) setUserErrors(r.startLookupJob.userErrors);
      if (r.startLookupJob.job) setJob(r.startLookupJob.job);
    } catch (e) {
      setError(e as GqlError);
    }
  };
  const finished = () => {
    void amb.reload();
    onChanged();
  };
  const conn = amb.data?.catalog?.skus;
  return (
    <div className="grid">
      <Section
        title={t("lookup.title")}
        actions={canEdit ? <button type="button" onClick={start}>{t("lookup.start")}</button> : null}
      >
        <p>{t("lookup.help")}</p>
        <UserErrors errors={userErrors} />
        <ErrorBanner error={error} />
        {job ? <JobProgressPanel key={job.id} job={job} onFinished={finished} /> : <p className="muted">{t("lookup.noJob")}</p>}
      </Section>
      <Section title={t("lookup.ambiguousTitle", { n: num(conn?.totalCount ?? 0) })}>
        <ErrorBanner error={amb.error} />
        {conn?.nodes.length === 0 ? <p className="muted">{t("lookup.noAmbiguous")}</p> : null}
        {conn?.nodes.map((s) => (
          <div key={s.id} className="ambiguous" data-testid="ambiguous-sku">
            <h3>
              <Link to={`/skus/${s.id}`}>{s.sellerSku}</Link> {s.nameRu ?? ""} <span className="mono muted">{s.barcode}</span>
            </h3>
            <CandidatePicker skuId={s.id} candidates={(s.lookupCandidates as Candidate[] | null) ?? []} onChosen={finished} />
          </div>
        ))}
      </Section>
    </div>
  );
}
