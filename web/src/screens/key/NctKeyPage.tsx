// The tenant's NCT API key: set, replace, delete; status and fingerprint only. The key itself is never shown
// (the API never returns it).
import { useState, type FormEvent } from "react";
import { graphql } from "../../gql";
import { request, GqlError } from "../../api/client";
import { useIsOwner, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { ErrorBanner, Loading, Section, UserErrors } from "../../components/ui";

const KeyQuery = graphql(`
  query NctKeyInfo { nctKey { configured fingerprint setAt lastVerifiedAt status } }
`);
const SetKey = graphql(`
  mutation SetNctKey($key: String!) {
    setNctApiKey(input: { key: $key }) { nctKey { configured fingerprint status } userErrors { field code message } }
  }
`);
const DeleteKey = graphql(`
  mutation DeleteNctKey { deleteNctApiKey { deleted } }
`);

export function NctKeyPage() {
  const { t, dateTime } = useI18n();
  const isOwner = useIsOwner();
  const q = useQuery(KeyQuery, {}, !isOwner);
  const [key, setKey] = useState("");
  const [error, setError] = useState<GqlError>();
  const [userErrors, setUserErrors] = useState<{ field: string[]; message: string }[]>();
  if (!isOwner) {
    return <Section title={t("key.title")}><p>{t("key.ownersOnly")}</p></Section>;
  }
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setUserErrors(undefined);
    try {
      const r = await request(SetKey, { key });
      if (r.setNctApiKey.userErrors.length) setUserErrors(r.setNctApiKey.userErrors);
      else setKey("");
      await q.reload();
    } catch (err) {
      setError(err as GqlError);
    }
  };
  const remove = async () => {
    if (!window.confirm(t("key.confirmDelete"))) return;
    try {
      await request(DeleteKey, {});
      await q.reload();
    } catch (err) {
      setError(err as GqlError);
    }
  };
  const k = q.data?.nctKey;
  return (
    <Section title={t("key.title")}>
      <p>{t("key.help")}</p>
      <ErrorBanner error={error ?? q.error} />
      <UserErrors errors={userErrors} />
      {!k ? <Loading /> : (
        <dl className="facts" data-testid="key-info">
          <div><dt>{t("key.status")}</dt><dd data-testid="key-status">{k.configured ? t(`key.status.${k.status ?? "UNVERIFIED"}`) : t("key.none")}</dd></div>
          <div><dt>{t("key.fingerprint")}</dt><dd className="mono">{k.fingerprint ?? "—"}</dd></div>
          <div><dt>{t("key.setAt")}</dt><dd>{dateTime(k.setAt)}</dd></div>
          <div><dt>{t("key.verifiedAt")}</dt><dd>{dateTime(k.lastVerifiedAt)}</dd></div>
        </dl>
      )}
      <form className="row" onSubmit={save}>
        <label htmlFor="nct-key">{k?.configured ? t("key.replace") : t("key.set")}</label>
        <input id="nct-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
        <button type="submit" disabled={!key.trim()}>{t("common.save")}</button>
        {k?.configured ? <button type="button" className="danger" onClick={remove}>{t("common.delete")}</button> : null}
      </form>
    </Section>
  );
}
