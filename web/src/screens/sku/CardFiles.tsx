// Photos (front, back…) and PDF documents of a card: upload to NCT storage through the API, with a local
// preview of what was just uploaded (a blob: URL, nothing fetched from elsewhere).
import { useEffect, useState } from "react";
import type { CardImageType, SkuDetailQuery } from "../../gql/graphql";
import { upload, GqlError } from "../../api/client";
import { useCanEdit } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { ErrorBanner, ProgressBar, UserErrors } from "../../components/ui";
import { UploadCardFile, type CardProblem, problemText } from "./queries";

type Sku = Extract<NonNullable<SkuDetailQuery["node"]>, { sellerSku: string }>;
const SIDES: CardImageType[] = ["FRONT", "BACK"];

export function CardFiles({ sku, problems, onUploaded }: { sku: Sku; problems: CardProblem[]; onUploaded: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const canEdit = useCanEdit();
  const [images, setImages] = useState(sku.card?.images ?? []);
  const [documents, setDocuments] = useState(sku.card?.documents ?? []);
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<GqlError>();
  const [userErrors, setUserErrors] = useState<{ field: string[]; message: string }[]>();
  useEffect(() => () => Object.values(previews).forEach((u) => URL.revokeObjectURL(u)), [previews]);

  const send = async (file: File | undefined, kind: "IMAGE" | "DOCUMENT", imageType?: CardImageType) => {
    if (!file) return;
    setError(undefined);
    setUserErrors(undefined);
    setProgress(0);
    try {
      const r = await upload(UploadCardFile, { input: { skuId: sku.id, kind, imageType: imageType ?? null, file: null as unknown as File } }, "input.file", file, setProgress);
      const p = r.uploadCardFile;
      if (p.userErrors.length) setUserErrors(p.userErrors);
      if (p.sku?.card) {
        setImages(p.sku.card.images);
        setDocuments(p.sku.card.documents);
      }
      if (p.fileName) setPreviews((old) => ({ ...old, [p.fileName as string]: URL.createObjectURL(file) }));
      onUploaded();
    } catch (e) {
      setError(e as GqlError);
    } finally {
      setProgress(null);
    }
  };
  return (
    <fieldset className="files">
      <legend>{t("card.files")}</legend>
      {problems.length ? (
        <ul className="field-problems">{problems.map((p, i) => <li key={i} className={p.severity === "ERROR" ? "error" : "warn"}>{problemText(i18n, p)}</li>)}</ul>
      ) : null}
      <div className="file-grid">
        {SIDES.map((side) => {
          const img = images.find((i) => i.imageType === side);
          return (
            <figure key={side} className="file-slot" data-side={side}>
              {img && previews[img.fileName] ? <img src={previews[img.fileName]} alt={t("card.photoOf", { side: t(`card.side.${side}`) })} /> : <div className="placeholder" aria-hidden="true">{img ? "✓" : "—"}</div>}
              <figcaption>
                {t(`card.side.${side}`)}: {img ? <span className="mono">{img.fileName}</span> : t("card.noFile")}
              </figcaption>
              {canEdit ? (
                <label className="file">
                  {img ? t("card.replace") : t("card.upload")}
                  <input type="file" accept="image/jpeg,image/png" onChange={(e) => void send(e.target.files?.[0], "IMAGE", side)} data-testid={`upload-${side}`} />
                </label>
              ) : null}
            </figure>
          );
        })}
        <figure className="file-slot">
          <div className="placeholder" aria-hidden="true">PDF</div>
          <figcaption>
            {t("card.documents")}: {documents.length ? documents.map((d) => <span key={d} className="mono"> {d}</span>) : t("card.noFile")}
          </figcaption>
          {canEdit ? (
            <label className="file">
              {t("card.upload")}
              <input type="file" accept="application/pdf" onChange={(e) => void send(e.target.files?.[0], "DOCUMENT")} data-testid="upload-pdf" />
            </label>
          ) : null}
        </figure>
      </div>
      {progress !== null ? <ProgressBar value={Math.round(progress * 100)} max={100} label={t("import.uploading")} /> : null}
      <UserErrors errors={userErrors} />
      <ErrorBanner error={error} />
    </fieldset>
  );
}
