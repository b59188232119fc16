// Catalogs: create, rename, delete (owners), open.
import { useState, type FormEvent } from "react";
import { graphql } from "../../gql";
import { request, GqlError } from "../../api/client";
import { useCanEdit, useIsOwner, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { Link } from "../../router";
import { ErrorBanner, Loading, Section, UserErrors } from "../../components/ui";

const CatalogList = graphql(`
  query CatalogList {
    catalogs(first: 100) { totalCount nodes { id name createdAt updatedAt readiness { total } } }
  }
`);
const CreateCatalog = graphql(`
  mutation CreateCatalog($name: String!) {
    createCatalog(input: { name: $name }) { catalog { id name } userErrors { field code message } }
  }
`);
const RenameCatalog = graphql(`
  mutation RenameCatalog($id: ID!, $name: String!) {
    updateCatalog(input: { id: $id, name: $name }) { catalog { id name } userErrors { field code message } }
  }
`);
const DeleteCatalog = graphql(`
  mutation DeleteCatalog($id: ID!) {
    deleteCatalog(input: { id: $id }) { deletedId userErrors { field code message } }
  }
`);

type UErr = { field: string[]; message: string }[];

export function Catalogs() {
  const { t, dateTime, num } = useI18n();
  const canEdit = useCanEdit();
  const isOwner = useIsOwner();
  const q = useQuery(CatalogList, {});
  const [name, setName] = useState("");
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);
  const [error, setError] = useState<GqlError>();
  const [userErrors, setUserErrors] = useState<UErr>();

  const run = async (f: () => Promise<UErr | undefined>) => {
    setError(undefined);
    setUserErrors(undefined);
    try {
      const ue = await f();
      if (ue?.length) setUserErrors(ue);
      else await q.reload();
      return !ue?.length;
    } catch (e) {
      setError(e as GqlError);
      return false;
    }
  };
  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(async () => (await request(CreateCatalog, { name })).createCatalog.userErrors)) setName("");
  };
  const rename = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    const ed = editing;
    if (await run(async () => (await request(RenameCatalog, ed)).updateCatalog.userErrors)) setEditing(null);
  };
  const remove = async (id: string, n: string) => {
    if (!window.confirm(t("catalogs.confirmDelete", { name: n }))) return;
    await run(async () => (await request(DeleteCatalog, { id })).deleteCatalog.userErrors);
  };
  return (
    <div className="grid">
      <Section title={t("nav.catalogs")}>
        <ErrorBanner error={error ?? q.error} />
        <UserErrors errors={userErrors} />
        {canEdit ? (
          <form className="row" onSubmit={create}>
            <label htmlFor="new-catalog">{t("catalogs.newName")}</label>
            <input id="new-catalog" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
            <button type="submit" disabled={!name.trim()}>{t("catalogs.create")}</button>
          </form>
        ) : null}
        {!q.data ? (
          <Loading />
        ) : (
          <table>
            <thead>
              <tr>
                <th>{t("catalogs.name")}</th>
                <th>{t("catalogs.skus")}</th>
                <th>{t("catalogs.updated")}</th>
                {canEdit ? <th><span className="sr-only">{t("common.actions")}</span></th> : null}
              </tr>
            </thead>
            <tbody>
              {q.data.catalogs.nodes.map((c) => (
                <tr key={c.id}>
                  <td>
                    {editing?.id === c.id ? (
                      <form className="row" onSubmit={rename}>
                        <input aria-label={t("catalogs.name")} value={editing.name} onChange={(e) => setEditing({ id: c.id, name: e.target.value })} />
                        <button type="submit">{t("common.save")}</button>
                        <button type="button" className="secondary" onClick={() => setEditing(null)}>{t("common.cancel")}</button>
                      </form>
                    ) : (
                      <Link to={`/catalogs/${c.id}`}>{c.name}</Link>
                    )}
                  </td>
                  <td>{num(c.readiness.total)}</td>
                  <td>{dateTime(c.updatedAt)}</td>
                  {canEdit ? (
                    <td className="actions">
                      <button type="button" className="secondary" onClick={() => setEditing({ id: c.id, name: c.name })}>{t("catalogs.rename")}</button>
                      {isOwner ? (
                        <button type="button" className="danger" onClick={() => remove(c.id, c.name)}>{t("common.delete")}</button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
