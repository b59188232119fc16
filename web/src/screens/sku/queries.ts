// Operations of the SKU page.
import { graphql } from "../../gql";

export const SkuDetail = graphql(`
  query SkuDetail($id: ID!) {
    node(id: $id) {
      ... on Sku {
        id catalogId sellerSku barcode gtin14 readinessClass readinessReason { code message }
        ntin ntinSource xtin xtinExpiresAt lookupState lookupCandidates nameRu price
        card {
          status nameRu nameKk shortNameRu shortNameKk brand oktru tnved country measureUnit measureQuantity
          barcode xtin isGov autoPublication
          attributes { code value parts { code value } }
          mainExtended { code value parts { code value } }
          additionalExtended { code value parts { code value } }
          images { fileName imageType }
          documents
        }
        moderation {
          requestId intentState status gzStatus comment reason
          revisionDetails { attributeCode value comment }
          duplicates { name brand gtin ntin similarity }
          ntin productUrl lastError attempt updatedAt
        }
      }
    }
  }
`);

export const CardCheck = graphql(`
  query CardCheck($id: ID!) {
    node(id: $id) { ... on Sku { id cardCheck { field code severity message } } }
  }
`);

export const CardAttributes = graphql(`
  query CardAttributes($oktru: String, $isGov: Boolean!) {
    cardAttributes(oktru: $oktru, isGov: $isGov) {
      code nameRu dataType required maxLength minValue maxValue dictionary group
      parts { code nameRu dataType required maxLength minValue maxValue dictionary group }
    }
  }
`);

export const DictionarySearch = graphql(`
  query DictionarySearch($dictionary: DictionaryName!, $search: String!) {
    dictionarySearch(dictionary: $dictionary, search: $search, first: 20) { code nameRu nameKk isLeaf }
  }
`);

export const UpdateCard = graphql(`
  mutation UpdateCard($input: UpdateCardInput!) {
    updateCard(input: $input) {
      sku { id card { status } }
      problems { field code severity message }
      userErrors { field code message }
    }
  }
`);

export const UploadCardFile = graphql(`
  mutation UploadCardFile($input: UploadCardFileInput!) {
    uploadCardFile(input: $input) {
      fileName
      sku { id card { images { fileName imageType } documents } }
      userErrors { field code message }
    }
  }
`);

const ModerationFields = graphql(`
  fragment ModerationFields on ModerationPayload {
    moderation { status gzStatus comment reason ntin lastError }
    userErrors { field code message }
  }
`);
void ModerationFields;

export const ResubmitSku = graphql(`
  mutation ResubmitSku($skuId: ID!) { resubmitSku(input: { skuId: $skuId }) { ...ModerationFields } }
`);

export const CancelRequest = graphql(`
  mutation CancelRequest($skuId: ID!) { cancelRequest(input: { skuId: $skuId }) { ...ModerationFields } }
`);

export const DecideDuplicate = graphql(`
  mutation DecideDuplicate($skuId: ID!, $decision: DuplicateDecision!, $ntin: String) {
    decideDuplicate(input: { skuId: $skuId, decision: $decision, ntin: $ntin }) { ...ModerationFields }
  }
`);

/** One problem of the pre-moderation check, as the editor shows it. */
export type CardProblem = import("../../gql/graphql").UpdateCardMutation["updateCard"]["problems"][number];

/** A problem in the person's language when the catalogs know its code, else NCT Desk's own text. */
export function problemText(i18n: { t: (k: never) => string; has: (k: string) => boolean }, p: CardProblem): string {
  const key = `problem.${p.code}`;
  return i18n.has(key) ? i18n.t(key as never) : p.message;
}
