// A combobox over one NCT dictionary (OKTRU, TN VED, country, measure): type a code or a word in Russian or
// Kazakh, pick an entry. The server searches case-insensitively.
import { useEffect, useId, useState } from "react";
import type { DictionaryName, DictionarySearchQuery } from "../../gql/graphql";
import { request } from "../../api/client";
import { useI18n } from "../../i18n";
import { useDebounced } from "../../components/ui";
import { DictionarySearch } from "./queries";

type Entry = DictionarySearchQuery["dictionarySearch"][number];

export function DictionaryPicker(props: {
  id: string;
  dictionary: DictionaryName;
  value: string;
  onChange: (code: string) => void;
  disabled?: boolean;
  leafOnly?: boolean;
  invalid?: boolean;
  describedBy?: string;
}) {
  const { t, lang } = useI18n();
  const listId = useId();
  const [text, setText] = useState(props.value);
  const [open, setOpen] = useState(false);
  const [hits, setHits] = useState<Entry[]>([]);
  const [active, setActive] = useState(-1);
  const query = useDebounced(text, 200);
  useEffect(() => setText(props.value), [props.value]);
  useEffect(() => {
    if (!open) return;
    let live = true;
    request(DictionarySearch, { dictionary: props.dictionary, search: query }).then(
      (r) => live && setHits(r.dictionarySearch),
      () => live && setHits([]),
    );
    return () => {
      live = false;
    };
  }, [query, open, props.dictionary]);
  const pick = (e: Entry) => {
    if (props.leafOnly && !e.isLeaf) return;
    setText(e.code);
    setOpen(false);
    props.onChange(e.code);
  };
  const name = (e: Entry) => (lang === "kk" && e.nameKk ? e.nameKk : e.nameRu);
  return (
    <div className="picker">
      <input
        id={props.id}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        autoComplete="off"
        value={text}
        disabled={props.disabled}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, hits.length - 1));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
          else if (e.key === "Enter" && active >= 0 && hits[active]) {
            e.preventDefault();
            pick(hits[active]);
          } else if (e.key === "Escape") setOpen(false);
        }}
      />
      {open && hits.length ? (
        <ul id={listId} role="listbox" className="picker-list">
          {hits.map((h, i) => (
            <li
              key={h.code}
              role="option"
              aria-selected={i === active}
              aria-disabled={props.leafOnly && !h.isLeaf ? true : undefined}
              className={props.leafOnly && !h.isLeaf ? "muted" : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(h);
              }}
            >
              <span className="mono">{h.code}</span> {name(h)}
              {props.leafOnly && !h.isLeaf ? <em> ({t("card.notLeaf")})</em> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
