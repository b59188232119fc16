// Moderation: submit the cards that pass the check, sync NCT's statuses (both as live jobs), and a board
// of SKUs by card state. Revision details, duplicates and cancelling are on each SKU's page.
import { useEffect, useState } from "react";
import { graphql } from "../../gql";
import { request, GqlError } from "../../api/client";
import { useCanEdit, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { Link } from "../../router";
import { ErrorBanner, Section, UserErrors } from "../../components/ui";
import { JobProgressPanel, latestJob, type Job } from "../../components/jobs";
import { cardMsg } from "../catalogs/SkuTable";

const StartSubmit = graphql(`
  mutation StartSubmit($catalogId: ID!, $key: String) {
    startSubmitJob(input: { catalogId: $catalogId, idempotencyKey: $key }) { job { ...JobFields } userErrors { field code message } }
  }
`);
const StartSync = graphql(`
  mutation StartSync($catalogId: ID!) {
    startStatusSyncJob(input: { catalogId: $catalogId }) { job { ...JobFields } userErrors { field code message } }
  }
`);
const BoardColumn = graphql(`
  query BoardColumn($id: ID!, $status: String!) {
    catalog(id: $id) {
      id
      skus(first: 20, filter: { cardStatus: $status }) {
        totalCount
        nodes { id sellerSku nameRu ntin moderation { status gzStatus } }
      }
    }
  }
`);

const COLUMNS = ["READY", "SUBMITTED", "NEEDS_REVISION", "DUPLICATE_REVIEW", "READY_TO_PUBLISH", "COMPLETED", "REJECTED", "CANCELLED", "FAILED"];

function Column({ catalogId, status, version }: { catalogId: string; status: string; version: number }) {
  const { t, num } = useI18n();
  const q = useQuery(BoardColumn, { id: catalogId, status });
  useEffect(() => {
    if (version) void q.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);
  const conn = q.data?.catalog?.skus;
  return (
    <section className="column" aria-label={t(cardMsg(status))} data-status={status}>
      <h3>{t(cardMsg(status))} <span className="pill">{num(conn?.totalCount ?? 0)}</span></h3>
      <ul>
        {conn?.nodes.map((s) => (
          <li key={s.id}>
            <Link to={`/skus/${s.id}`}>{s.sellerSku}</Link>
            <span className="muted"> {s.nameRu ?? ""}</span>
            {s.ntin ? <span className="mono ntin"> {s.ntin}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ModerationPanel({ catalogId, onChanged }: { catalogId: string; onChanged: () => void }) {
  const { t } = useI18n();
  const canEdit = useCanEdit();
  const [job, setJob] = useState<Job>();
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<GqlError>();
  const [userErrors, setUserErrors] = useState<{ field: string[]; message: string }[]>();
  useEffect(() => {
    Promise.all([latestJob(catalogId, "SUBMIT"), latestJob(catalogId, "STATUS_SYNC")]).then(([a, b]) => {
      const newest = [a, b].filter((j): j is Job => !!j).sort((x, y) => y.createdAt.localeCompare(x.createdAt))[0];
      setJob(newest);
    }, setError);
  }, [catalogId]);
  const start = async (kind: "submit" | "sync") => {
    setError(undefined);
    setUserErrors(undefined);
    try {
      const p = kind === "submit"
        ? (await request(StartSubmit, { catalogId, key: crypto.randomUUID() })).startSubmitJob
        : (await request(StartSync, { catalogId })).startStatusSyncJob;
      if (p.userErrors.length) setUserErrors(p.userErrors);
      if (p.job) setJob(p.job);
    } catch (e) {
      setError(e as GqlError);
    }
  };
  const finished = () => {
    setVersion((v) => v + 1);
    onChanged();
  };
  return (
    <div className="grid">
      <Section
        title={t("moderation.title")}
        actions={
          canEdit ? (
            <>
              <button type="button" onClick={() => start("submit")}>{t("moderation.submit")}</button>
              <button type="button" className="secondary" onClick={() => start("sync")}>{t("moderation.sync")}</button>
            </>
          ) : null
        }
      >
        <p>{t("moderation.help")}</p>
        <UserErrors errors={userErrors} />
        <ErrorBanner error={error} />
        {job ? <JobProgressPanel key={job.id} job={job} onFinished={finished} /> : null}
      </Section>
      <div className="board" data-testid="board">
        {COLUMNS.map((s) => <Column key={s} catalogId={catalogId} status={s} version={version} />)}
      </div>
    </div>
  );
}
