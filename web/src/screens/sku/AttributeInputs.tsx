// The category's attributes beyond the fixed card fields, each with the input its data type needs:
// text, number, yes/no, date, or a dictionary picker; compound attributes get one input per part.
import type { AttributeGroupName, CardAttributeInput, CardAttributesQuery } from "../../gql/graphql";
import { useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { ErrorBanner } from "../../components/ui";
import { CardAttributes, type CardProblem, problemText } from "./queries";
import { DictionaryPicker } from "./DictionaryPicker";

type Def = CardAttributesQuery["cardAttributes"][number];
type PartDef = Def["parts"][number];
type Group = "attributes" | "mainExtended" | "additionalExtended";
const groupOf: Record<AttributeGroupName, Group> = { BASE: "attributes", MAIN_EXTENDED: "mainExtended", ADDITIONAL_EXTENDED: "additionalExtended" };

/** Base attribute codes the editor shows as fixed fields. */
export const fixedCodes = new Set(["name_ru", "name_kk", "short_name_ru", "short_name_kk", "brand", "tnved", "country", "measure", "gtin", "ntin", "xtin", "oktru"]);

function ValueInput({ def, id, value, disabled, onChange, invalid }: { def: PartDef; id: string; value: string; disabled: boolean; invalid: boolean; onChange: (v: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  switch (def.dataType) {
    case "BOOLEAN":
      return (
        <select id={id} value={value} disabled={disabled} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)}>
          <option value="">—</option>
          <option value="true">{t("common.yes")}</option>
          <option value="false">{t("common.no")}</option>
        </select>
      );
    case "NUMBER":
      return <input id={id} type="number" step="any" min={def.minValue ?? undefined} max={def.maxValue ?? undefined} value={value} disabled={disabled} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)} />;
    case "DATE":
      return <input id={id} type="date" value={value} disabled={disabled} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)} />;
    case "TEXT":
      return <textarea id={id} rows={2} maxLength={def.maxLength ?? undefined} value={value} disabled={disabled} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)} />;
    case "DICTIONARY":
    case "MULTI_DICTIONARY":
      if (def.dictionary && ["OKTRU", "TNVED", "COUNTRY", "MEASURE"].includes(def.dictionary.toUpperCase())) {
        return <DictionaryPicker id={id} dictionary={def.dictionary.toUpperCase() as "OKTRU"} value={value} disabled={disabled} invalid={invalid} onChange={onChange} />;
      }
      return <input id={id} value={value} disabled={disabled} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)} />;
    default:
      return <input id={id} maxLength={def.maxLength ?? undefined} value={value} disabled={disabled} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)} />;
  }
}

export function AttributeInputs(props: {
  oktru: string;
  isGov: boolean;
  values: Record<Group, CardAttributeInput[]>;
  problems: CardProblem[];
  disabled: boolean;
  skip: Set<string>;
  onChange: (group: Group, list: CardAttributeInput[]) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const q = useQuery(CardAttributes, { oktru: props.oktru || null, isGov: props.isGov });
  if (q.error) return q.error.code === "CONFLICT" ? null : <ErrorBanner error={q.error} />;
  const defs = (q.data?.cardAttributes ?? []).filter((d) => !props.skip.has(d.code));
  if (!defs.length) return null;
  const set = (def: Def, value: string, part?: string) => {
    const group = groupOf[def.group];
    const list = props.values[group].filter((a) => a.code !== def.code);
    const old = props.values[group].find((a) => a.code === def.code);
    let next: CardAttributeInput;
    if (part) {
      const parts = (old?.parts ?? []).filter((p) => p.code !== part);
      if (value) parts.push({ code: part, value });
      next = { code: def.code, value: "", parts };
    } else next = { code: def.code, value, parts: [] };
    if (next.value || next.parts?.length) list.push(next);
    props.onChange(group, list);
  };
  const current = (def: Def) => props.values[groupOf[def.group]].find((a) => a.code === def.code);
  const sections: [AttributeGroupName, string][] = [["BASE", t("card.attrs.base")], ["MAIN_EXTENDED", t("card.attrs.main")], ["ADDITIONAL_EXTENDED", t("card.attrs.additional")]];
  return (
    <>
      {sections.map(([g, title]) => {
        const list = defs.filter((d) => d.group === g);
        if (!list.length) return null;
        return (
          <fieldset key={g} className="attrs">
            <legend>{title}</legend>
            <div className="form-grid">
              {list.map((def) => {
                const ps = props.problems.filter((p) => p.field === def.code);
                const cur = current(def);
                const pid = `p-attr-${def.code}`;
                return (
                  <div key={def.code} className={`field${ps.length ? " has-problem" : ""}`} data-attr={def.code}>
                    {def.parts.length ? (
                      <fieldset>
                        <legend>{def.nameRu}{def.required ? " *" : ""}</legend>
                        {def.parts.map((p) => (
                          <div key={p.code}>
                            <label htmlFor={`a-${def.code}-${p.code}`}>{p.nameRu}</label>
                            <ValueInput def={p} id={`a-${def.code}-${p.code}`} value={cur?.parts?.find((x) => x.code === p.code)?.value ?? ""} disabled={props.disabled} invalid={ps.length > 0} onChange={(v) => set(def, v, p.code)} />
                          </div>
                        ))}
                      </fieldset>
                    ) : (
                      <>
                        <label htmlFor={`a-${def.code}`}>{def.nameRu}{def.required ? " *" : ""}</label>
                        <ValueInput def={def} id={`a-${def.code}`} value={cur?.value ?? ""} disabled={props.disabled} invalid={ps.length > 0} onChange={(v) => set(def, v)} />
                      </>
                    )}
                    {ps.length ? (
                      <ul className="field-problems" id={pid}>
                        {ps.map((p, i) => <li key={i} className={p.severity === "ERROR" ? "error" : "warn"}>{problemText(i18n, p)}</li>)}
                      </ul>
                    ) : null}
                  </div>
                );
              })}
            </div>
          </fieldset>
        );
      })}
    </>
  );
}
