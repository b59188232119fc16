// Import a Kaspi XML price list, a CSV or a pasted barcode list. Files go as a multipart upload with a
// progress bar; the result lists refused rows by row number (good rows are stored regardless).
import { useState, type DragEvent } from "react";
import { graphql } from "../../gql";
import type { ImportFormatInput, ImportFileMutation } from "../../gql/graphql";
import { request, upload, GqlError } from "../../api/client";
import { useCanEdit } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { ErrorBanner, ProgressBar, UserErrors } from "../../components/ui";

const ImportFile = graphql(`
  mutation ImportFile($input: ImportCatalogInput!) {
    importCatalog(input: $input) {
      created updated unchanged rejected
      rowErrors { row code message }
      userErrors { field code message }
    }
  }
`);

type Result = ImportFileMutation["importCatalog"];

function formatOf(name: string): ImportFormatInput {
  const n = name.toLowerCase();
  if (n.endsWith(".xml")) return "KASPI_XML";
  if (n.endsWith(".csv")) return "CSV";
  return "BARCODES";
}

export function ImportPanel({ catalogId, onImported }: { catalogId: string; onImported: () => void }) {
  const { t, num, has } = useI18n();
  const canEdit = useCanEdit();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<ImportFormatInput>("KASPI_XML");
  const [pasted, setPasted] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<Result>();
  const [error, setError] = useState<GqlError>();
  const [drag, setDrag] = useState(false);

  if (!canEdit) return <p className="muted">{t("common.readOnly")}</p>;

  const choose = (f: File | undefined) => {
    if (!f) return;
    setFile(f);
    setFormat(formatOf(f.name));
    setResult(undefined);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDrag(false);
    choose(e.dataTransfer.files[0]);
  };
  const done = (r: Result) => {
    setResult(r);
    onImported();
  };
  const runFile = async () => {
    if (!file) return;
    setError(undefined);
    setProgress(0);
    try {
      const r = await upload(ImportFile, { input: { catalogId, format, file: null as unknown as File } }, "input.file", file, setProgress);
      setProgress(1);
      done(r.importCatalog);
    } catch (e) {
      setError(e as GqlError);
      setProgress(null);
    }
  };
  const runPaste = async () => {
    setError(undefined);
    try {
      const r = await request(ImportFile, { input: { catalogId, format: "BARCODES", content: pasted } });
      done(r.importCatalog);
    } catch (e) {
      setError(e as GqlError);
    }
  };
  return (
    <div className="grid two">
      <div>
        <h2>{t("import.file")}</h2>
        <div
          className={`dropzone${drag ? " over" : ""}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDrag(true);
          }}
          onDragLeave={() => setDrag(false)}
          onDrop={onDrop}
          data-testid="dropzone"
        >
          <p>{t("import.drop")}</p>
          <label className="file">
            {t("import.choose")}
            <input type="file" accept=".xml,.csv,.txt" onChange={(e) => choose(e.target.files?.[0])} data-testid="import-file" />
          </label>
          {file ? <p className="mono">{file.name} ({num(Math.ceil(file.size / 1024))} KB)</p> : null}
        </div>
        <div className="row">
          <label>
            {t("import.format")}{" "}
            <select value={format} onChange={(e) => setFormat(e.target.value as ImportFormatInput)}>
              <option value="KASPI_XML">{t("import.kaspi")}</option>
              <option value="CSV">CSV</option>
              <option value="BARCODES">{t("import.barcodes")}</option>
            </select>
          </label>
          <button type="button" onClick={runFile} disabled={!file || (progress !== null && progress < 1)}>
            {t("import.start")}
          </button>
        </div>
        {progress !== null ? <ProgressBar value={Math.round(progress * 100)} max={100} label={t("import.uploading")} /> : null}
      </div>
      <div>
        <h2>{t("import.paste")}</h2>
        <label htmlFor="paste">{t("import.pasteHelp")}</label>
        <textarea id="paste" rows={6} value={pasted} onChange={(e) => setPasted(e.target.value)} spellCheck={false} />
        <button type="button" onClick={runPaste} disabled={!pasted.trim()}>{t("import.start")}</button>
      </div>
      <ErrorBanner error={error} />
      {result ? (
        <div className="wide" data-testid="import-result">
          <UserErrors errors={result.userErrors} />
          <p role="status">
            {t("import.result", { created: num(result.created), updated: num(result.updated), unchanged: num(result.unchanged), rejected: num(result.rejected) })}
          </p>
          {result.rowErrors.length ? (
            <table data-testid="row-errors">
              <caption>{t("import.rowErrors")}</caption>
              <thead>
                <tr><th>{t("import.row")}</th><th>{t("import.code")}</th><th>{t("import.message")}</th></tr>
              </thead>
              <tbody>
                {result.rowErrors.map((e, i) => (
                  <tr key={i}><td>{e.row}</td><td className="mono">{e.code}</td><td>
                      {has(`importError.${e.code}`) ? (
                        <>
                          {t(`importError.${e.code}` as "importError.BAD_ROW")} <span className="muted detail">{e.message}</span>
                        </>
                      ) : e.message}
                    </td></tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
