// Live job progress: a snapshot from the jobProgress subscription, then every change the server sends.
// The graphql-ws client reconnects after a server restart and the subscription starts again with a fresh
// snapshot, so the bar ends on the real final counts.
import { useEffect, useState } from "react";
import { graphql } from "../gql";
import type { JobFieldsFragment } from "../gql/graphql";
import { request, subscribe, GqlError } from "../api/client";
import { useCanEdit } from "../api/hooks";
import { useI18n, type MsgKey } from "../i18n";
import { ErrorBanner, ProgressBar } from "./ui";

export const JobFields = graphql(`
  fragment JobFields on RegistrationJob {
    id
    kind
    state
    catalogId
    cancelRequested
    createdAt
    startedAt
    finishedAt
    eta
    lastError
    progress { total processed found ambiguous notFound failed skipped }
  }
`);

const JobProgressSub = graphql(`
  subscription JobProgress($jobId: ID!) {
    jobProgress(jobId: $jobId) { ...JobFields }
  }
`);

const CancelJob = graphql(`
  mutation CancelJob($id: ID!) {
    cancelJob(input: { id: $id }) { job { ...JobFields } userErrors { field code message } }
  }
`);

export const RecentJobs = graphql(`
  query RecentJobs($first: Int!) {
    jobs(first: $first) { ...JobFields }
  }
`);

export type Job = JobFieldsFragment;
export const isActive = (j: Job) => j.state === "QUEUED" || j.state === "RUNNING";

export const kindMsg: Record<Job["kind"], MsgKey> = {
  LOOKUP: "job.kind.LOOKUP",
  SUBMIT: "job.kind.SUBMIT",
  STATUS_SYNC: "job.kind.STATUS_SYNC",
  MATCH: "job.kind.MATCH",
};
export const stateMsg: Record<Job["state"], MsgKey> = {
  QUEUED: "job.state.QUEUED",
  RUNNING: "job.state.RUNNING",
  SUCCEEDED: "job.state.SUCCEEDED",
  FAILED: "job.state.FAILED",
  CANCELLED: "job.state.CANCELLED",
};

/** The newest job of `kind` for `catalogId`, so a reloaded page re-attaches to a running job. */
export async function latestJob(catalogId: string, kind: Job["kind"]): Promise<Job | undefined> {
  const r = await request(RecentJobs, { first: 100 });
  return r.jobs.find((j) => j.catalogId === catalogId && j.kind === kind);
}

/** Follows one job live; calls `onFinished` once when it reaches a final state. */
export function JobProgressPanel({ job: initial, onFinished }: { job: Job; onFinished?: (j: Job) => void }) {
  const { t, dateTime, num } = useI18n();
  const canEdit = useCanEdit();
  const [job, setJob] = useState<Job>(initial);
  const [error, setError] = useState<GqlError>();
  useEffect(() => {
    setJob(initial);
    let finished = false;
    const stop = subscribe(JobProgressSub, { jobId: initial.id }, {
      onData: (d) => {
        setJob(d.jobProgress);
        if (!isActive(d.jobProgress) && !finished) {
          finished = true;
          onFinished?.(d.jobProgress);
        }
      },
      onError: setError,
    });
    return stop;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [initial.id]);
  const p = job.progress;
  const cancel = async () => {
    try {
      const r = await request(CancelJob, { id: job.id });
      if (r.cancelJob.job) setJob(r.cancelJob.job);
    } catch (e) {
      setError(e as GqlError);
    }
  };
  return (
    <div className="job" data-job-id={job.id} data-job-state={job.state}>
      <div className="job-head">
        <strong>{t(kindMsg[job.kind])}</strong>
        <span className={`pill state-${job.state}`} data-testid="job-state">{t(stateMsg[job.state])}</span>
        {isActive(job) && canEdit && !job.cancelRequested ? (
          <button type="button" className="secondary" onClick={cancel}>
            {t("job.cancel")}
          </button>
        ) : null}
      </div>
      <ProgressBar value={p.processed} max={p.total} label={t("job.progress")} />
      <dl className="counts" data-testid="job-counts">
        {job.kind === "LOOKUP" ? (
          <>
            <div><dt>{t("job.found")}</dt><dd data-count="found">{num(p.found)}</dd></div>
            <div><dt>{t("job.ambiguous")}</dt><dd data-count="ambiguous">{num(p.ambiguous)}</dd></div>
            <div><dt>{t("job.notFound")}</dt><dd data-count="notFound">{num(p.notFound)}</dd></div>
          </>
        ) : (
          <div><dt>{t("job.done")}</dt><dd data-count="found">{num(p.found)}</dd></div>
        )}
        <div><dt>{t("job.failed")}</dt><dd data-count="failed">{num(p.failed)}</dd></div>
        <div><dt>{t("job.skipped")}</dt><dd data-count="skipped">{num(p.skipped)}</dd></div>
        {isActive(job) ? <div><dt>{t("job.eta")}</dt><dd>{job.eta ? dateTime(job.eta) : "—"}</dd></div> : null}
        {job.finishedAt ? <div><dt>{t("job.finishedAt")}</dt><dd>{dateTime(job.finishedAt)}</dd></div> : null}
      </dl>
      {job.lastError ? <ErrorBanner error={job.lastError} /> : null}
      <ErrorBanner error={error} />
    </div>
  );
}
